#!/bin/bash
# Adapted from the team's measured recipe (docs/ARCHITECTURE.md, "Real components in tests").
# Minimal single-host Ceph (1 mon, 1 bluestore-on-file OSD, no mgr) + radosgw on 127.0.0.1. up.sh BASE RGW_PORT
set -euo pipefail
BASE=${1:-${TMPDIR:-/tmp}/rgw}; RGW_PORT=${2:-17480}; MON_PORT=$((RGW_PORT+1))
CONF=$BASE/ceph.conf
mkdir -p $BASE/{mon,osd/ceph-0,run,log,rgw}
if [ ! -f $CONF ]; then
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > $CONF <<C
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = $BASE/run
admin socket = $BASE/run/\$name.asok
log file = $BASE/log/\$name.log
pid file = $BASE/run/\$name.pid
keyring = $BASE/keyring
[mon]
mon data = $BASE/mon/\$cluster-\$id
mon data avail warn = 1
mon data avail crit = 0
[osd]
osd data = $BASE/osd/\$cluster-\$id
osd objectstore = bluestore
bluestore block path = $BASE/osd/\$cluster-\$id.block
bluestore block create = true
bluestore block size = ${BLOCK_BYTES:-21474836480}
bluestore fsck on mount = false
bluestore block db create = false
bluestore block wal create = false
osd memory target = 1073741824
osd crush update on start = false
osd class update on start = false
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.s3eval]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $BASE/rgw
rgw enable usage log = false
rgw thread pool size = 128
rgw gc obj min wait = 5
rgw gc processor period = 10
rgw gc processor max time = 10
C
ceph-authtool --create-keyring $BASE/keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool $BASE/keyring --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --add a v1:127.0.0.1:$MON_PORT --fsid $FSID $BASE/monmap >/dev/null
ceph-mon -c $CONF --mkfs -i a --monmap $BASE/monmap --keyring $BASE/keyring
NEW=1
fi
ceph-mon -c $CONF -i a -f > $BASE/log/mon.out 2>&1 & echo $! > $BASE/run/mon.pidx
for i in $(seq 1 50); do ceph -c $CONF --connect-timeout 2 mon stat >/dev/null 2>&1 && break; sleep 0.3; done
if [ "${NEW:-0}" = 1 ]; then
  OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
  ceph -c $CONF osd new $OSD_UUID >/dev/null
  ceph -c $CONF osd crush add osd.0 1.0 root=default >/dev/null 2>&1
  ceph-osd -c $CONF -i 0 --mkfs --osd-uuid $OSD_UUID > $BASE/log/osd-mkfs.out 2>&1
fi
ceph-osd -c $CONF -i 0 -f > $BASE/log/osd.out 2>&1 & echo $! > $BASE/run/osd.pidx
for i in $(seq 1 100); do ceph -c $CONF osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.3; done
start_rgw() {
  radosgw -c $CONF -n client.rgw.s3eval -f > $BASE/log/rgw.out 2>&1 & echo $! > $BASE/run/rgw.pidx
  for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:$RGW_PORT/ && return 0; sleep 0.3; done; return 1
}
start_rgw
if [ "${NEW:-0}" = 1 ]; then
  # rgw creates the default zone/zonegroup on first start; storage class + user live in RADOS (persist)
  radosgw-admin -c $CONF zonegroup placement add --rgw-zonegroup default --placement-id default-placement --storage-class DEEP_ARCHIVE >/dev/null
  radosgw-admin -c $CONF zone placement add --rgw-zone default --placement-id default-placement --storage-class DEEP_ARCHIVE --data-pool default.rgw.deeparchive.data >/dev/null
  radosgw-admin -c $CONF user create --uid=test --display-name=test --access-key=${S3_AK:-AKTEST} --secret=${S3_SK:-SKTEST} >/dev/null
  kill $(cat $BASE/run/rgw.pidx); while kill -0 $(cat $BASE/run/rgw.pidx) 2>/dev/null; do sleep 0.2; done
  start_rgw
fi
curl -s -o /dev/null -w "rgw http %{http_code}\n" http://127.0.0.1:$RGW_PORT/
