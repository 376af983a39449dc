export const AGENT_HELP = `Usage: norn agent --config FILE [flags]

Follows log files and ships their lines to a Loki-compatible push API
(/loki/api/v1/push, protobuf + snappy), the way Promtail does, from a Promtail-style YAML
configuration: clients, positions, scrape_configs with static_configs (labels with a
__path__ glob, re-globbed as files appear) and pipeline_stages (regex, json, logfmt,
labels, static_labels, labeldrop, labelallow, timestamp, output, drop, multiline).

Files are followed through rename-and-create and copytruncate rotation. A file's position
is saved only once the server acknowledged its lines, so an outage, a 429 or a 5xx is
retried with backoff and loses nothing, and a restart resumes where the server's
acknowledgements ended. See docs/tools.md for every setting.

Flags:
  --config FILE              the YAML configuration (required)
  --config.expand-env        replace \${VAR} and \${VAR:-default} in the file from the environment
  --log-level LEVEL          trace, debug, info, warn or error (default info)
  --shutdown-timeout DURATION
                             on SIGTERM/SIGINT, how long to keep sending what was read
                             before exiting (default 10s); unsent lines are read again
                             after the next start
  --check-config             load and check the configuration, then exit (0 valid, 2 not)
  -h, --help                 this help

Its own HTTP port (server.http_listen_port, default 9080) serves /metrics (norn_agent_*:
bytes and lines read, entries and bytes sent, dropped and retried, files followed) and
/ready.

Exit codes: 0 stopped cleanly, 1 failed while running, 2 bad flags or configuration.

Example agent.yaml:
  server: { http_listen_port: 9080 }
  positions: { filename: /var/lib/norn-agent/positions.yaml }
  clients:
    - url: http://localhost:3100/loki/api/v1/push
  scrape_configs:
    - job_name: system
      static_configs:
        - targets: [localhost]
          labels: { job: varlogs, __path__: /var/log/*log }
`;
