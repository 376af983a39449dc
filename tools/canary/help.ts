export const CANARY_HELP = `Usage: norn canary [flags]

Proves nothing is lost: writes a numbered, timestamped line every --interval to a
Loki-compatible server (through its push API, or to --output-file for an agent to ship),
follows them live on the tail websocket and reads them back with paged queries. Every
--check-interval, the lines older than --wait are accounted for: acknowledged but not
returned is missing. Figures are served as Prometheus metrics on --port (norn_canary_*,
named after loki-canary's) and, on exit, printed as one summary line on stdout.

Target:
  --addr URL                 server (env LOKI_ADDR; default http://localhost:3100)
  --org-id ID                tenant, sent as X-Scope-OrgID (env LOKI_ORG_ID)
  --username NAME            basic auth user (env LOKI_USERNAME)
  --password SECRET          basic auth password (env LOKI_PASSWORD)
  --output-file FILE         append the lines to FILE instead of pushing them (an agent
                             ships the file); read-back still uses --addr, and the time
                             a line comes back with is not checked (the agent stamps it)
  --timeout DURATION         per write (default 10s)

Lines:
  --interval DURATION        one line this often (default 1s)
  --size BYTES               line length, padded with p (default 100)
  --labelname NAME           label naming the canary (default name)
  --labelvalue VALUE         its value (default norn-canary)
  --streamname NAME          the stream label (default stream)
  --streamvalue VALUE        its value (default stdout)
  --instance VALUE           the instance label, so canaries do not mix (default the hostname)

Checking:
  --wait DURATION            how long a line may take to become readable (default 60s)
  --check-interval DURATION  how often lines older than --wait are read back (default 1m)
  --tail-delay SECONDS       the tail's delay_for: how long the server holds lines back for
                             late arrivals (0-5, default 1)
  --no-tail                  do not follow the tail websocket (no latency, order figures)
  --duration DURATION        stop after this long (default: run until SIGTERM/SIGINT)

Metrics:
  --port N                   serve /metrics here (default 3500; 0 for any free port)
  --metrics-host HOST        address to listen on (default 0.0.0.0)
  -h, --help                 this help

On SIGTERM, SIGINT or the end of --duration it stops writing, waits (at most --wait) for the
tail to deliver what was acknowledged, checks every line left, and prints:
  norn canary: N written, N acknowledged, N failed writes; N checked: missing N, websocket
  missing N, out of order N, duplicates N, unexpected N; latency p50 Xs p99 Xs
Exit codes: 0 nothing missing, duplicated or unexpected; 1 otherwise, or it could not run;
2 bad flags. Failed writes (refused or unanswered) are not expected to be readable and do
not count as missing.
`;
