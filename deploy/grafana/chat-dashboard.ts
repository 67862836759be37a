import type { Dashboard, Panel, RowPanel } from '@grafana/schema';

/**
 * The Grafana dashboard, typed against Grafana's own schema (@grafana/schema), so `tsc` checks
 * its shape. deploy/grafana/dashboards/chat.json is this object; test/monitoring fails when the
 * two drift (UPDATE_GENERATED=1 rewrites the JSON).
 */
const datasource = { type: 'prometheus', uid: 'prometheus' };
const WIDTH = 8;
const HEIGHT = 8;

let y = 0;
let x = 0;
let nextId = 1;

function row(title: string): RowPanel {
  if (x > 0) y += HEIGHT;
  x = 0;
  const panel: RowPanel = {
    type: 'row',
    id: nextId++,
    title,
    collapsed: false,
    gridPos: { x: 0, y, w: 24, h: 1 },
    panels: [],
  };
  y += 1;
  return panel;
}

function timeseries(title: string, unit: string, targets: Array<[expr: string, legend: string]>): Panel {
  const panel: Panel = {
    type: 'timeseries',
    id: nextId++,
    title,
    datasource,
    gridPos: { x, y, w: WIDTH, h: HEIGHT },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
      tooltip: { mode: 'multi' },
    },
    targets: targets.map(([expr, legendFormat], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource,
      expr,
      legendFormat,
    })),
  };
  x += WIDTH;
  if (x >= 24) {
    x = 0;
    y += HEIGHT;
  }
  return panel;
}

const rate = (metric: string, by = '') => `sum${by ? ` by (${by})` : ''} (rate(${metric}[$__rate_interval]))`;
const p = (q: number, metric: string, by = 'le', selector = '') =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${metric}_bucket${selector}[$__rate_interval])))`;

export const chatDashboard: Dashboard = {
  uid: 'chat-backend',
  title: 'Chat backend',
  description: 'Realtime path, write-behind path, API, files and processes of the chat backend.',
  tags: ['chat'],
  editable: true,
  schemaVersion: 39,
  refresh: '5s',
  time: { from: 'now-30m', to: 'now' },
  timezone: 'browser',
  panels: [
    row('Realtime (socket)'),
    timeseries('Connections', 'short', [['sum by (instance) (chat_socket_connections)', '{{instance}}']]),
    timeseries('Messages per second', 'ops', [
      [rate('chat_messages_received_total'), 'received'],
      [rate('chat_messages_stored_total'), 'stored'],
      [rate('chat_messages_delivered_total'), 'delivered (per room, per instance)'],
    ]),
    timeseries('chat:send ack latency', 's', [
      [p(0.5, 'chat_send_ack_seconds'), 'p50'],
      [p(0.99, 'chat_send_ack_seconds'), 'p99'],
    ]),
    timeseries('Failed acks by code', 'ops', [[rate('chat_socket_errors_total', 'code'), '{{code}}']]),
    timeseries('Presence round trip (engine.io ping)', 's', [[p(0.99, 'chat_socket_rtt_seconds'), 'p99']]),
    timeseries('Feed catch-up after pub/sub gaps', 'ops', [
      [rate('chat_feed_caught_up_total'), 'caught up'],
      [rate('chat_recovery_replayed_total'), 'replayed by room:join'],
    ]),
    row('Write-behind (worker)'),
    timeseries('Backlog: acked, not yet in MongoDB', 'short', [
      ['max(chat_stream_backlog_messages)', 'messages'],
      ['max(chat_stream_backlog_rooms)', 'rooms'],
    ]),
    timeseries('Oldest unpersisted message', 's', [
      ['max(chat_stream_oldest_unpersisted_age_seconds)', 'age'],
    ]),
    timeseries('Persisted per second', 'ops', [[rate('chat_worker_persisted_total'), 'inserted']]),
    timeseries('Batch size and insert time', 'short', [
      [p(0.99, 'chat_worker_batch_size'), 'batch size p99'],
      [p(0.99, 'chat_worker_batch_seconds'), 'batch seconds p99'],
    ]),
    timeseries('Retries and dead letters', 'short', [
      ['sum(increase(chat_worker_retries_total[$__rate_interval]))', 'retries'],
      ['sum(increase(chat_worker_dead_letters_total[$__rate_interval]))', 'dead letters'],
    ]),
    timeseries('Retention deletes', 'short', [
      ['sum by (kind) (increase(chat_retention_deleted_total[$__rate_interval]))', '{{kind}}'],
    ]),
    row('API'),
    timeseries('Requests by route and status', 'reqps', [
      [rate('http_requests_total{app="api"}', 'route, status'), '{{route}} {{status}}'],
    ]),
    timeseries('p99 latency by route', 's', [
      [p(0.99, 'http_request_duration_seconds', 'le, route', '{app="api"}'), '{{route}}'],
    ]),
    timeseries('5xx ratio', 'percentunit', [
      [
        `${rate('http_requests_total{app="api",status=~"5.."}')} / ${rate('http_requests_total{app="api"}')}`,
        '5xx',
      ],
    ]),
    row('Files'),
    timeseries('Uploads by result', 'ops', [
      [rate('chat_file_uploads_total', 'result, reason'), '{{result}} {{reason}}'],
    ]),
    timeseries('Upload bytes per second', 'Bps', [[rate('chat_file_upload_bytes_total'), 'bytes']]),
    timeseries('Thumbnail failures', 'short', [
      ['sum(increase(chat_file_thumbnail_failures_total[$__rate_interval]))', 'failures'],
    ]),
    row('Processes'),
    timeseries('Resident memory', 'bytes', [['process_resident_memory_bytes', '{{app}} {{instance}}']]),
    timeseries('Event loop lag p99', 's', [['nodejs_eventloop_lag_p99_seconds', '{{app}} {{instance}}']]),
    timeseries('CPU', 'percentunit', [
      ['rate(process_cpu_seconds_total[$__rate_interval])', '{{app}} {{instance}}'],
    ]),
  ],
};
