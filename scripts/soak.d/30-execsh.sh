#!/bin/bash
# execsh under churn: SOAK_EXECSH_ROUNDS (10) rounds of 50 concurrent
# interactive sessions of an unprivileged user (each on a pty of its own,
# relayed to a pty of the package) in a package built by mkpcue and started
# as the node starts it (mkpcue --cgroup, pkginit -p: each session joins
# the running package's namespaces and cgroup). In each
# round, once all 50 are logged in, half of them (chosen at random, seeded)
# end in a random way:
#   shell    the session's shell SIGKILLed (by root)
#   hangup   the caller's terminal hangs up (its pty master's holder ends)
#   term     SIGTERM to the execsh parent (as a cluster's stop would)
#   userkill the user's own SIGKILL to the execsh parent: refused, and the
#            session goes on (it ends with the others)
# then utmp must hold exactly the sessions still alive (those whose execsh
# parent still runs, named in utmp by the pid the package sees: their
# child's, in the package's pid namespace); then the rest end normally (the shell's
# command ends, exit 3) and utmp must hold none. At the end wtmp holds a
# logout for every login, and last(1) no "gone - no logout".
set -euo pipefail
: "${PCUE:?}" "${SOAK_LIB:?}"
ROUNDS=${SOAK_EXECSH_ROUNDS:-10}
SEED=${SOAK_SEED:-11}
S=50
for c in python3 utmpdump last; do
    command -v $c >/dev/null || { echo "30-execsh: needs $c (make deps)" >&2; exit 1; }
done
. "$SOAK_LIB"
soak_sandbox "$0" "$@"
private_dev
private_etc
setuid_registry
# a registry of the soak's own only (no Pacemaker CIB of the host's)
echo "PCUE_CIB=$T/no-cib.xml" >> /etc/cmcluster.conf
setuid_copy
reg_cntl pkg01 127.0.0.2
mkpcue_root pkg01
chmod 755 "$T"
printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > "$T/pkg01/etc/inittab"
soak_start pkg01
X="$T/bin/execsh"
unset SHELL
U=$T/pkg01/run/utmp W=$T/pkg01/var/log/wtmp
RANDOM=$SEED
utmp_pids() { utmpdump "$U" 2>/dev/null | awk -F'] \\[' '/^\[7\]/ {print $2 + 0}' | sort -n | tr '\n' ' '; }
alive_count() { utmpdump "$U" 2>/dev/null | grep -c '^\[7\]' || true; }
# gone PID: the process has ended (a zombie of a reaper that does not reap
# orphans counts as ended)
gone() { case $(ps -o stat= -p "$1" 2>/dev/null || true) in ""|Z*) return 0 ;; esac; return 1; }
declare -A K=([shell]=0 [hangup]=0 [term]=0 [userkill]=0 [normal]=0)
mismatch=0 refused=0 sessions=0
for r in $(seq 1 "$ROUNDS"); do
    py=()
    for i in $(seq 1 $S); do
        ( exec setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- \
            /usr/bin/python3 -c "$PTY_PY" "$X" pkg01 /bin/sh -c 'sleep 1000; exit 3' ) >/dev/null 2>&1 &
        py+=($!)
    done
    sessions=$((sessions + S))
    wait_until 30 "[ \$(alive_count) = $S ]" || die "round $r: $(alive_count) of $S logged in"
    # each session's execsh parent (the python's child), its shell, and the
    # shell's pid in the package's pid namespace (utmp's: NSpid's last)
    par=() sh=() inner=()
    for i in $(seq 0 $((S - 1))); do
        p=$(pgrep -P "${py[$i]}" | head -1); [ -n "$p" ] || die "round $r: no execsh for session $i"
        wait_until 5 "pgrep -P $p >/dev/null" || die "round $r: no shell in session $i"
        par+=("$p"); sh+=("$(pgrep -P "$p" | head -1)")
        inner+=("$(awk '/^NSpid:/ {print $NF}' "/proc/${sh[$i]}/status")")
        [ -n "${inner[$i]}" ] || die "round $r: no pid inside the package for session $i"
    done
    ended=()
    for i in $(seq 0 $((S - 1))); do
        [ $((RANDOM % 2)) = 0 ] && continue
        case $((RANDOM % 4)) in
            0) K[shell]=$((K[shell] + 1)); kill -KILL "${sh[$i]}"; ended+=("$i") ;;
            # the terminal's holder dies (SIGINT: python ends, closing the
            # master), so the caller's terminal hangs up
            1) K[hangup]=$((K[hangup] + 1)); kill -INT "${py[$i]}"; ended+=("$i") ;;
            2) K[term]=$((K[term] + 1)); kill -TERM "${par[$i]}"; ended+=("$i") ;;
            3) K[userkill]=$((K[userkill] + 1))
               setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- kill -KILL "${par[$i]}" 2>/dev/null ||
                   refused=$((refused + 1)) ;;
        esac
    done
    for i in "${ended[@]}"; do
        wait_until 10 "gone ${par[$i]}" ||
            die "round $r: session $i did not end"
    done
    # exactly the sessions alive: those whose execsh parent still runs
    live=$(for i in $(seq 0 $((S - 1))); do gone "${par[$i]}" || echo "${inner[$i]}"; done | sort -n | tr '\n' ' ')
    if [ "$(utmp_pids)" != "$live" ]; then
        mismatch=$((mismatch + 1))
        echo "round $r: utmp [$(utmp_pids)] live [$live]" >&2
    fi
    # the rest end normally: their command ends, the shell exits 3
    for i in $(seq 0 $((S - 1))); do
        case " ${ended[*]} " in *" $i "*) continue ;; esac
        K[normal]=$((K[normal] + 1))
        pkill -P "${sh[$i]}" -x sleep || true
    done
    wait_until 30 "[ \$(alive_count) = 0 ]" || { mismatch=$((mismatch + 1)); echo "round $r: $(alive_count) left in utmp" >&2; }
    for p in "${py[@]}"; do { wait "$p"; } 2>/dev/null || true; done
done
LOGINS=$(utmpdump "$W" 2>/dev/null | grep -c '^\[7\]' || true)
LOGOUTS=$(utmpdump "$W" 2>/dev/null | grep -c '^\[8\]' || true)
GONE=$(last -f "$W" | grep -c 'gone - no logout' || true)
ALIVE=$(alive_count)
figure "execsh sessions" "$sessions ($ROUNDS rounds of $S at once, seed $SEED)"
figure "execsh ends: shell killed/hangup/TERM to execsh/normal" "${K[shell]}/${K[hangup]}/${K[term]}/${K[normal]}"
figure "execsh user's SIGKILL of its session's parent refused" "$refused of ${K[userkill]}"
figure "execsh checkpoints where utmp was not exactly the live sessions" "$mismatch of $((ROUNDS * 2))"
figure "execsh utmp logins left at the end" "$ALIVE"
figure "execsh wtmp logins/logouts" "$LOGINS/$LOGOUTS"
figure "execsh last(1) 'gone - no logout'" "$GONE"
[ "$mismatch" = 0 ] && [ "$ALIVE" = 0 ] && [ "$LOGINS" = "$sessions" ] && [ "$LOGOUTS" = "$sessions" ] \
    && [ "$GONE" = 0 ] && [ "$refused" = "${K[userkill]}" ] || die "execsh soak: a figure is wrong"
