#!/usr/bin/env bash
# bench/dovecot.sh: the same IMAP and POP3 workloads against Dovecot and
# against mailsim's servers, with wall time, server CPU and the ratios
# mailsim/Dovecot.
#
# Needs: Go, dovecot-imapd and dovecot-pop3d (Debian: apt-get install
# dovecot-imapd dovecot-pop3d). Dovecot is NOT used as a system service:
# a private instance runs in the foreground (dovecot -F -c CONFIG) with a
# throwaway configuration, users and Maildirs in a temp directory, on free
# ports of 127.0.0.1, and is stopped at the end. Runs as root or not.
#
# Both servers run in their own process and the load generator
# (`mailsim bench --addr`) in a third, so each server's CPU is its own:
#   Dovecot: utime+stime of the master and its live children, plus the
#            master's cutime+cstime (children that exited), from /proc;
#   mailsim: utime+stime of `mailsim bench --serve`, from /proc.
# Each measured run follows a warm-up run (Dovecot builds its indexes on a
# user's first login); REPEAT runs are made and the median wall is kept.
#
# Server RSS: the largest sum of VmRSS over the server's processes,
# sampled every 0.2 s during each measured run.
#
# Two parts, both on by default:
#   the 20-user table (TABLE20=1): IMAP and POP3, one user per connection;
#   the shared mailbox (SHARED_SIZES="1000 10000 50000", empty skips it):
#     for each size, one user whose INBOX holds that many messages, read
#     by SHARED_CONNS x SHARED_SESSIONS (20x3) IMAP sessions of LOGIN,
#     SELECT, FETCH 1:* (FLAGS ENVELOPE), SHARED_FETCHES (50) x FETCH n
#     BODY[], LOGOUT; then one session's SEARCH TEXT of a phrase only the
#     middle message holds (no FTS plugin in Dovecot); a fresh mailsim
#     process per size, so that its RSS is that mailbox's.
#
# Environment: USERS (20: bench1..benchN, one per connection), MESSAGES
# (1000 per user), IMAP_CONNS/IMAP_SESSIONS (20x5), POP3_CONNS/POP3_SESSIONS
# (20x2), FETCHES (100), IMAP_USER (bench%d), REPEAT (3), KEEP=1 keeps the temp directory,
# MAILSIM_BIN=FILE uses a built mailsim, PROFILE=FILE writes a CPU profile of the mailsim server (all its runs),
# TABLE20, SHARED_SIZES, SHARED_CONNS, SHARED_SESSIONS, SHARED_FETCHES,
# SHARED_WORK ("imap search"; one of them to run only that).
set -euo pipefail

MESSAGES=${MESSAGES:-1000}
IMAP_CONNS=${IMAP_CONNS:-20}
IMAP_SESSIONS=${IMAP_SESSIONS:-5}
POP3_CONNS=${POP3_CONNS:-20}
POP3_SESSIONS=${POP3_SESSIONS:-2}
USERS=${USERS:-$(( IMAP_CONNS > POP3_CONNS ? IMAP_CONNS : POP3_CONNS ))}
FETCHES=${FETCHES:-100}
# IMAP_USER=bench1 makes every IMAP connection log in as one user (POP3
# always uses one user per connection: mailsim locks a maildrop).
IMAP_USER=${IMAP_USER:-bench%d}
REPEAT=${REPEAT:-3}
TABLE20=${TABLE20:-1}
SHARED_SIZES=${SHARED_SIZES-1000 10000 50000}
SHARED_CONNS=${SHARED_CONNS:-20}
SHARED_SESSIONS=${SHARED_SESSIONS:-3}
SHARED_FETCHES=${SHARED_FETCHES:-50}
SHARED_WORK=${SHARED_WORK:-imap search}
PASS=bench

repo=$(cd "$(dirname "$0")/.." && pwd)
command -v dovecot >/dev/null || { echo "dovecot.sh: dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)" >&2; exit 2; }
[ -n "${MAILSIM_BIN:-}" ] || command -v go >/dev/null || { echo "dovecot.sh: go is not installed" >&2; exit 2; }

T=$(mktemp -d /tmp/mailsim-bench.XXXXXX)
chmod 755 "$T"
dovecot_pid= serve_pid=
cleanup() {
	[ -n "$serve_pid" ] && kill -INT "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
	[ -n "$dovecot_pid" ] && kill -TERM "$dovecot_pid" 2>/dev/null && wait "$dovecot_pid" 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $(( 20000 + RANDOM % 20000 ))
}
wait_port() { # port
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "dovecot.sh: nothing listens on port $1; see $T/dovecot.log" >&2
	cat "$T/dovecot.log" >&2 || true
	exit 1
}

if [ -n "${MAILSIM_BIN:-}" ]; then
	cp "$MAILSIM_BIN" "$T/mailsim"
else
	echo "== building mailsim"
	(cd "$repo" && go build -o "$T/mailsim" ./cmd/mailsim)
fi
MAILSIM=$T/mailsim

echo "== $(dovecot --version | sed 's/^/dovecot /'), $(go version | cut -d' ' -f3), $(nproc) cores, $(uname -sr)"

# Who the Dovecot processes and the mail files run as. As root: the
# Debian package's dovecot and dovenull users, and nobody for the mail
# (Dovecot refuses UID 0 for mail). Otherwise: the current user for all.
if [ "$(id -u)" = 0 ]; then
	internal_user=dovecot login_user=dovenull
	id dovecot >/dev/null 2>&1 || internal_user=root
	id dovenull >/dev/null 2>&1 || login_user=root
	mail_uid=$(id -u nobody) mail_gid=$(id -g nobody)
else
	internal_user=$(id -un) login_user=$(id -un)
	mail_uid=$(id -u) mail_gid=$(id -g)
fi

mkdir -p "$T/mail" "$T/run" "$T/state"
: > "$T/passwd"
if [ "$TABLE20" = 1 ]; then
	echo "== filling $USERS Maildirs with $MESSAGES messages each"
	"$MAILSIM" bench --fill-maildir "$T/mail/template" --messages "$MESSAGES" >/dev/null
	for u in $(seq "$USERS"); do
		cp -a "$T/mail/template" "$T/mail/bench$u"
		echo "bench$u:{PLAIN}$PASS:$mail_uid:$mail_gid::$T/mail/bench$u::" >> "$T/passwd"
	done
	rm -rf "$T/mail/template"
fi
for n in $SHARED_SIZES; do
	echo "== filling the shared mailbox of $n messages"
	"$MAILSIM" bench --fill-maildir "$T/mail/shared$n" --messages "$n" >/dev/null
	echo "shared$n:{PLAIN}$PASS:$mail_uid:$mail_gid::$T/mail/shared$n::" >> "$T/passwd"
done
chown -R "$mail_uid:$mail_gid" "$T/mail"
chmod 644 "$T/passwd"

imap_port=$(free_port) pop3_port=$(free_port)
while [ "$pop3_port" = "$imap_port" ]; do pop3_port=$(free_port); done
cat > "$T/dovecot.conf" <<CONF
# Throwaway configuration written by mailsim's bench/dovecot.sh.
protocols = imap pop3
listen = 127.0.0.1
base_dir = $T/run
state_dir = $T/state
instance_name = mailsim-bench-$$
log_path = $T/dovecot.log
info_log_path = $T/dovecot.log
default_internal_user = $internal_user
default_login_user = $login_user
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:~
first_valid_uid = 1
mail_max_userip_connections = 1000
passdb {
  driver = passwd-file
  args = scheme=PLAIN $T/passwd
}
userdb {
  driver = passwd-file
  args = $T/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3_port
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  chroot =
}
service submission-login {
  chroot =
}
CONF

echo "== starting dovecot -F -c $T/dovecot.conf (imap $imap_port, pop3 $pop3_port)"
dovecot -F -c "$T/dovecot.conf" &
dovecot_pid=$!
wait_port "$imap_port"
wait_port "$pop3_port"

# start_mailsim USER MESSAGES [PROFILE]: starts mailsim bench --serve with
# USER (bench%d: USERS users) holding MESSAGES messages; sets serve_pid,
# ms_imap, ms_pop3 and ms_octets (the octets in its store).
start_mailsim() {
	echo "== starting mailsim bench --serve ($1, $2 messages)"
	local serve_args=(bench --serve --conns "$USERS" --messages "$2" --user "$1" --pass "$PASS")
	[ -n "${3:-}" ] && serve_args+=(--cpuprofile "$3")
	"$MAILSIM" "${serve_args[@]}" > "$T/serve.out" &
	serve_pid=$!
	for _ in $(seq 1200); do grep -q '^ready' "$T/serve.out" 2>/dev/null && break; sleep 0.05; done
	grep -q '^ready' "$T/serve.out" || { echo "dovecot.sh: mailsim bench --serve did not start" >&2; exit 1; }
	ms_imap=$(awk '$1=="imap"{print $2}' "$T/serve.out")
	ms_pop3=$(awk '$1=="pop3"{print $2}' "$T/serve.out")
	ms_octets=$(awk '$1=="store"{print $5}' "$T/serve.out")
}
stop_mailsim() {
	kill -INT "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
	serve_pid=
}

tck=$(getconf CLK_TCK)
# cpu_ticks PID: CPU ticks of the process, its live children, and the
# children it has reaped.
cpu_ticks() {
	local pid=$1 total=0 c f
	for c in $(pgrep -P "$pid" || true); do
		read -r -a f < "/proc/$c/stat" 2>/dev/null || continue
		total=$(( total + f[13] + f[14] ))
	done
	read -r -a f < "/proc/$pid/stat"
	echo $(( total + f[13] + f[14] + f[15] + f[16] ))
}

# rss_kb PID: VmRSS of the process and all its descendants, in KiB.
rss_kb() {
	local total=0 p kb
	for p in $1 $(pgrep -P "$1" || true); do
		[ "$p" = "$1" ] || { total=$(( total + $(rss_kb "$p") )); continue; }
		kb=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || true)
		total=$(( total + ${kb:-0} ))
	done
	echo "$total"
}
# sample_rss PID FILE: writes the largest rss_kb PID seen to FILE, every 0.2 s, until killed.
sample_rss() {
	local max cur
	max=$(cat "$2" 2>/dev/null || true); max=${max:-0}
	while :; do
		cur=$(rss_kb "$1")
		if [ "$cur" -gt "$max" ]; then max=$cur; echo "$max" > "$2.new" && mv -f "$2.new" "$2"; fi
		sleep 0.2
	done
}

json_field() { sed -n "s/.*\"$2\": \([-0-9.e+]*\).*/\1/p" "$1" | head -1; }

# run NAME PID ADDR PROTO CONNS SESSIONS USER [EXTRA ARGS...]: warm up,
# then REPEAT measured runs; prints "wall cpu commands/s errors bytes/s
# rss_kib" of the median-wall run. NAME also names the runs' files.
results=()
run() {
	local name=$1 pid=$2 addr=$3 proto=$4 conns=$5 sessions=$6 user=$7 i c0 c1 out sampler rss
	local args=(bench --proto "$proto" --addr "$addr" --user "$user" --pass "$PASS"
		--conns "$conns" --fetches "$FETCHES" --json "${@:8}")
	local warm=(--sessions 1)
	# One user for every connection: one session builds Dovecot's index
	# (twenty at once on a big mailbox can outlast --timeout on a busy machine).
	[[ $user == *%d* ]] || warm+=(--conns 1)
	"$MAILSIM" "${args[@]}" "${warm[@]}" > "$T/warm.json" || {
		echo "dovecot.sh: warm-up of $name $proto failed:" >&2; cat "$T/warm.json" >&2; exit 1; }
	for i in $(seq "$REPEAT"); do
		out=$T/$name-$proto-$i.json
		sleep 0.3
		rss_kb "$pid" > "$T/rss"
		sample_rss "$pid" "$T/rss" & sampler=$!
		c0=$(cpu_ticks "$pid")
		"$MAILSIM" "${args[@]}" --sessions "$sessions" > "$out" || true
		sleep 0.3 # let exiting server processes be reaped
		c1=$(cpu_ticks "$pid")
		kill "$sampler"; wait "$sampler" 2>/dev/null || true
		rss=$(cat "$T/rss" 2>/dev/null || true); rss=${rss:-0}
		printf '%s %s %s %s %s %s\n' "$(json_field "$out" wall_seconds)" \
			"$(awk -v a="$c0" -v b="$c1" -v t="$tck" 'BEGIN{printf "%.2f", (b-a)/t}')" \
			"$(json_field "$out" commands_per_sec)" \
			"$(( $(json_field "$out" protocol_errors) + $(json_field "$out" io_errors) ))" \
			"$(json_field "$out" bytes_per_sec)" "$rss" >> "$T/$name-$proto.runs"
		printf '   %-16s %-4s run %d: wall %ss server cpu %ss rss %s MiB\n' "$name" "$proto" "$i" \
			"$(json_field "$out" wall_seconds)" "$(awk -v a="$c0" -v b="$c1" -v t="$tck" 'BEGIN{printf "%.2f", (b-a)/t}')" \
			"$(( rss / 1024 ))" >&2
	done
	sort -n "$T/$name-$proto.runs" | sed -n "$(( (REPEAT + 1) / 2 ))p"
}

errs=0
add_errors() { # result lines...
	local l
	for l in "$@"; do errs=$(( errs + $(echo "$l" | cut -d' ' -f4) )); done
}
line() { # proto server "wall cpu cps errors bps rss"
	set -- "$1" "$2" $3
	printf '%-5s %-8s %9.3f %12.2f %12.0f %11.1f %7d %8d\n' "$1" "$2" "$3" "$4" "$5" "$(awk -v b="$7" 'BEGIN{print b/1048576}')" "$6" "$(( $8 / 1024 ))"
}
ratio() { # mailsim dovecot field target label
	awk -v m="$(echo "$1" | cut -d' ' -f"$3")" -v d="$(echo "$2" | cut -d' ' -f"$3")" -v t="$4" -v l="$5" 'BEGIN{
		if (d <= 0) { printf "%-30s not measured\n", l; exit }
		r = m / d
		if (t != "") printf "%-30s mailsim/dovecot = %.2f  (target <= %s: %s)\n", l, r, t, (r <= t) ? "met" : "NOT met"
		else printf "%-30s mailsim/dovecot = %.2f\n", l, r }'
}

if [ "$TABLE20" = 1 ]; then
	start_mailsim 'bench%d' "$MESSAGES" "${PROFILE:-}"
	echo "== IMAP: $IMAP_CONNS conns x $IMAP_SESSIONS sessions as $IMAP_USER (LOGIN, SELECT, FETCH 1:* (FLAGS ENVELOPE), $FETCHES x FETCH n BODY[], LOGOUT)"
	d_imap=$(run dovecot "$dovecot_pid" "127.0.0.1:$imap_port" imap "$IMAP_CONNS" "$IMAP_SESSIONS" "$IMAP_USER")
	m_imap=$(run mailsim "$serve_pid" "$ms_imap" imap "$IMAP_CONNS" "$IMAP_SESSIONS" "$IMAP_USER")
	echo "== POP3: $POP3_CONNS conns x $POP3_SESSIONS sessions (USER/PASS, STAT, RETR x $MESSAGES, QUIT)"
	d_pop3=$(run dovecot "$dovecot_pid" "127.0.0.1:$pop3_port" pop3 "$POP3_CONNS" "$POP3_SESSIONS" 'bench%d')
	m_pop3=$(run mailsim "$serve_pid" "$ms_pop3" pop3 "$POP3_CONNS" "$POP3_SESSIONS" 'bench%d')
	stop_mailsim

	echo
	echo "== results, $USERS users x $MESSAGES messages (median of $REPEAT runs by wall time; server CPU = user+sys of the server processes)"
	printf '%-5s %-8s %9s %12s %12s %11s %7s %8s\n' proto server wall_s server_cpu_s commands/s MiB/s errors rss_MiB
	line imap dovecot "$d_imap"; line imap mailsim "$m_imap"
	line pop3 dovecot "$d_pop3"; line pop3 mailsim "$m_pop3"
	echo
	ratio "$m_imap" "$d_imap" 1 0.5 "IMAP wall time"
	ratio "$m_imap" "$d_imap" 2 "" "IMAP server CPU"
	ratio "$m_pop3" "$d_pop3" 1 0.3 "POP3 wall time"
	ratio "$m_pop3" "$d_pop3" 2 "" "POP3 server CPU"
	add_errors "$d_imap" "$m_imap" "$d_pop3" "$m_pop3"
fi

shared_report=()
for n in $SHARED_SIZES; do
	start_mailsim "shared$n" "$n"
	d_sh="0 0 0 0 0 0" m_sh="0 0 0 0 0 0" d_se="0 0 0 0 0 0" m_se="0 0 0 0 0 0"
	if [[ " $SHARED_WORK " == *" imap "* ]]; then
		echo "== shared mailbox of $n messages: $SHARED_CONNS conns x $SHARED_SESSIONS sessions as shared$n (LOGIN, SELECT, FETCH 1:* (FLAGS ENVELOPE), $SHARED_FETCHES x FETCH n BODY[], LOGOUT)"
		d_sh=$(run "dovecot-shared$n" "$dovecot_pid" "127.0.0.1:$imap_port" imap "$SHARED_CONNS" "$SHARED_SESSIONS" "shared$n" --fetches "$SHARED_FETCHES" --timeout 300s)
		m_sh=$(run "mailsim-shared$n" "$serve_pid" "$ms_imap" imap "$SHARED_CONNS" "$SHARED_SESSIONS" "shared$n" --fetches "$SHARED_FETCHES" --timeout 300s)
	fi
	phrase="message number $(( (n + 1) / 2 )) of"
	if [[ " $SHARED_WORK " == *" search "* ]]; then
		echo "== shared mailbox of $n messages: SEARCH TEXT \"$phrase\" (1 session: LOGIN, SELECT, SEARCH, LOGOUT)"
		d_se=$(run "dovecot-search$n" "$dovecot_pid" "127.0.0.1:$imap_port" imap 1 1 "shared$n" --fetches 0 --envelopes=false --search "$phrase" --timeout 300s)
		m_se=$(run "mailsim-search$n" "$serve_pid" "$ms_imap" imap 1 1 "shared$n" --fetches 0 --envelopes=false --search "$phrase" --timeout 300s)
	fi
	stop_mailsim
	add_errors "$d_sh" "$m_sh" "$d_se" "$m_se"
	shared_report+=("$n|$d_sh|$m_sh|$d_se|$m_se|$ms_octets")
done

if [ -n "$SHARED_SIZES" ]; then
	echo
	echo "== shared mailbox, one user (median of $REPEAT runs by wall time; rss = largest sum of the server's processes during the run)"
	printf '%-9s %-7s %-8s %9s %12s %12s %11s %7s %8s\n' messages work server wall_s server_cpu_s commands/s MiB/s errors rss_MiB
	for r in "${shared_report[@]}"; do
		IFS='|' read -r n d_sh m_sh d_se m_se octets <<< "$r"
		printf '%-9s %-7s ' "$n" imap; line "" dovecot "$d_sh" | cut -c7-
		printf '%-9s %-7s ' "$n" imap; line "" mailsim "$m_sh" | cut -c7-
		printf '%-9s %-7s ' "$n" search; line "" dovecot "$d_se" | cut -c7-
		printf '%-9s %-7s ' "$n" search; line "" mailsim "$m_se" | cut -c7-
	done
	echo
	for r in "${shared_report[@]}"; do
		IFS='|' read -r n d_sh m_sh d_se m_se octets <<< "$r"
		target=""; [ "$n" -ge 10000 ] && target=0.25
		ratio "$m_sh" "$d_sh" 1 "$target" "$n: IMAP wall time"
		ratio "$m_sh" "$d_sh" 2 "" "$n: IMAP server CPU"
		target=""; [ "$n" -ge 50000 ] && target=0.5
		ratio "$m_se" "$d_se" 1 "$target" "$n: SEARCH TEXT wall time"
		rss=$(echo "$m_sh" | cut -d' ' -f6)
		awk -v n="$n" -v rss="$rss" -v raw="$octets" 'BEGIN{
			if (rss <= 0) { printf "%-30s not measured\n", n ": RSS"; exit }
			limit = 2.5 * raw / 1024 + 50 * 1024
			printf "%-30s mailsim %.0f MiB for %.1f MiB of mail; limit 2.5 x raw + 50 MiB = %.0f MiB: %s\n",
				n ": RSS", rss / 1024, raw / 1048576, limit / 1024, (rss <= limit) ? "met" : "NOT met" }'
	done
fi
if [ "$errs" != 0 ]; then
	echo "dovecot.sh: $errs errors in the measured runs; see the JSON files (KEEP=1 keeps $T)" >&2
	exit 1
fi
