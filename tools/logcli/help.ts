// The --help text of each query command.

const CONNECTION = `Connection (flags win over the environment):
  --addr URL                 server address (env LOKI_ADDR; default http://localhost:3100)
  --org-id ID                tenant, sent as X-Scope-OrgID (env LOKI_ORG_ID)
  --username NAME            basic auth user (env LOKI_USERNAME)
  --password SECRET          basic auth password (env LOKI_PASSWORD)
  --bearer-token TOKEN       bearer token (env LOKI_BEARER_TOKEN)
  --bearer-token-file FILE   file holding the bearer token (env LOKI_BEARER_TOKEN_FILE)
  --tls-skip-verify          do not verify the server's TLS certificate (env LOKI_TLS_SKIP_VERIFY)
  --timeout DURATION         per request (default 60s)
  -q, --quiet                print no request URL, common labels or progress on stderr
  -h, --help                 this help`;

const RANGE = `Time range:
  --since DURATION           how far back from --to (default 1h; e.g. 30s, 15m, 2h, 7d)
  --from TIME                start, RFC 3339 (e.g. 2024-05-01T10:00:00Z) or Unix seconds
  --to TIME                  end, exclusive (default now)`;

const OUTPUT = `Output:
  -o, --output MODE          default (time, labels, line), raw (the line alone) or jsonl
                             (one JSON object an entry); metric results print as a table,
                             raw prints Loki's JSON, jsonl one series a line
  --no-labels                do not print labels
  --include-label NAME       print only these labels (repeatable, or comma-separated)
  --exclude-label NAME       do not print these labels (repeatable, or comma-separated)
  -z, --timezone Local|UTC   zone of printed times (default Local)
Labels are coloured when stdout is a terminal and NO_COLOR is unset. Labels that every
stream of a result shares are printed once, on stderr, as "Common labels".`;

const EXIT = `Exit codes: 0 success, 1 the request failed (the server's message is printed), 2 usage.`;

export const QUERY_HELP = `Usage: norn query [flags] '<LogQL>'

Runs a range query (/loki/api/v1/query_range) and prints the result. Log queries are
fetched in batches of --batch entries until --limit entries were printed (a progress line
on stderr when stderr is a terminal); metric queries print a table.

Query:
  --limit N                  entries to print at most; 0 for no limit (default 30)
  --batch N                  entries asked for in one request (default 1000)
  --forward                  oldest first (default newest first)
  --step DURATION            resolution of a metric query (default: the server's)
  --interval DURATION        only return entries at this interval (log queries)
  -f, --tail                 follow: print entries as they arrive (websocket /tail);
                             Ctrl-C ends it
  --delay-for SECONDS        with --tail: let the server wait this long for late entries (max 5)

${RANGE}

${OUTPUT}

${CONNECTION}

${EXIT}

Examples:
  norn query '{app="api"} |= "error"' --since 2h --limit 100
  norn query --tail '{app="api"}'
  norn query 'sum by (level) (count_over_time({app="api"} | logfmt [5m]))' --since 6h
`;

export const INSTANT_QUERY_HELP = `Usage: norn instant-query [flags] '<LogQL>'

Runs an instant query (/loki/api/v1/query) at --now and prints the result.

  --now TIME                 evaluation time, RFC 3339 or Unix seconds (default now)
  --limit N                  entries to print at most for a log query (default 30)
  --forward                  oldest first (default newest first)

${OUTPUT}

${CONNECTION}

${EXIT}

Example:
  norn instant-query 'sum(rate({app="api"}[5m]))'
`;

export const LABELS_HELP = `Usage: norn labels [flags] [NAME]

Prints the label names (/loki/api/v1/labels), or with NAME the values of that label
(/loki/api/v1/label/NAME/values), one a line.

${RANGE}

${CONNECTION}

${EXIT}
`;

export const SERIES_HELP = `Usage: norn series [flags] '<selector>' ['<selector>' ...]

Prints the streams that match the selectors (/loki/api/v1/series), one label set a line.

  --analyze-labels           print, per label name, how many values and streams it has
                             (find the labels that drive cardinality)

${RANGE}

${CONNECTION}

${EXIT}
`;

export const STATS_HELP = `Usage: norn stats [flags] '<selector>'

Prints what the index knows of the matching streams over the range
(/loki/api/v1/index/stats): bytes, chunks, streams and entries.

  -o, --output MODE          default (a block for a person), raw or jsonl (Loki's JSON)

${RANGE}

${CONNECTION}

${EXIT}
`;

export const VOLUME_HELP = `Usage: norn volume [flags] '<selector>'

Prints the bytes the matching streams hold over the range (/loki/api/v1/index/volume),
largest first, as a table.

  --limit N                  series to return at most (default 100)
  --targetLabels LIST        aggregate by these labels (comma-separated)
  --aggregateBy series|labels
                             aggregate by series (default) or by label names
  -o, --output MODE          default (a table), raw (Loki's JSON) or jsonl

${RANGE}

${CONNECTION}

${EXIT}
`;

export const FMT_HELP = `Usage: norn fmt ['<LogQL>']
       echo '<LogQL>' | norn fmt

Prints the query formatted the way Loki's format_query does it: one stage a line,
aggregations indented. Works offline: nothing is sent to a server. A query that does not
parse prints the parse error and exits 1.

  -h, --help                 this help

${EXIT}
`;
