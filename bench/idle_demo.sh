#!/bin/bash
# Measure an idle `accord demo` (bench/RESULTS.md, "Idle").
# Usage: bench/idle_demo.sh DIR SRC LABEL  (SRC: a checkout; results in $OUT/LABEL.txt, OUT defaults to /tmp)
OUT=${OUT:-/tmp}  # PYBIN: the venv bin folder with accord (default SRC/.venv/bin)
DIR=$1; SRC=$2; LABEL=$3
rm -rf $DIR; mkdir -p $DIR
cd /tmp
PYTHONPATH=$SRC/src nohup ${PYBIN:-$SRC/.venv/bin}/accord demo --dir $DIR > $OUT/$LABEL.demo.log 2>&1 &
PID=$!
echo "pid $PID" > $OUT/$LABEL.txt
for i in $(seq 600); do grep -q 'Ctrl-C stops' $OUT/$LABEL.demo.log && break; sleep 1; done
echo "serving after $i s" >> $OUT/$LABEL.txt
sleep 60
stat() { awk '{print $14+$15}' /proc/$PID/stat; }
rows() { for db in $(find $DIR -name '*.db' -o -name '*.sqlite*' | grep -v -- '-wal\|-shm'); do echo "$db $(sqlite3 $db 'select count(*) from journal' 2>/dev/null) $(sqlite3 $db 'select count(*) from ledger_checkpoints' 2>/dev/null)"; done; }
T0=$(stat); D0=$(du -sb $DIR | cut -f1); R0=$(rows); IO0=$(grep write_bytes /proc/$PID/io)
sleep 120
T1=$(stat); D1=$(du -sb $DIR | cut -f1); R1=$(rows); IO1=$(grep write_bytes /proc/$PID/io)
TCK=$(getconf CLK_TCK)
{
echo "cpu ticks $T0 -> $T1 (CLK_TCK $TCK): $(( (T1-T0) )) ticks = $(echo "scale=2; ($T1-$T0)/$TCK" | bc) s of CPU over 120 s = $(echo "scale=2; ($T1-$T0)*100/$TCK/120" | bc) % of a core"
echo "du $D0 -> $D1 (+$((D1-D0)) bytes)"
echo "io $IO0 -> $IO1"
echo "rows before:"; echo "$R0"; echo "rows after:"; echo "$R1"
} >> $OUT/$LABEL.txt
kill $PID
