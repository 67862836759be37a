// The table printed at the end of a run, and the chart of latency against load (SVG).

const fmt = (n) =>
  n === undefined || n === null ? '–' : typeof n === 'number' ? n.toLocaleString('en-US') : String(n);

/** One line per measured row: what it is, its rate, its latency, its errors. */
function describe(row) {
  const lat = row.ack ?? (row.p99 !== undefined ? row : null);
  const rate =
    row.ackedPerSec !== undefined
      ? `${fmt(row.ackedPerSec)} acked/s`
      : row.docsPerSec !== undefined
        ? `${fmt(row.docsPerSec)} docs/s`
        : row.rate !== undefined
          ? `${fmt(row.rate)} req/s`
          : row.MBps !== undefined
            ? `${fmt(row.MBps)} MB/s`
            : '';
  const parts = [String(row.target).padEnd(40), rate.padStart(16)];
  if (lat)
    parts.push(
      `p50 ${fmt(lat.p50)} · p99 ${fmt(lat.p99)}${lat.p999 !== undefined ? ` · p99.9 ${fmt(lat.p999)}` : ''} ms`,
    );
  if (row.deliveriesPerSec)
    parts.push(`${fmt(row.deliveriesPerSec)} deliveries/s (p99 ${fmt(row.delivery?.p99)} ms)`);
  if (row.errorCount !== undefined || row.errors !== undefined)
    parts.push(`errors ${fmt(row.errorCount ?? row.errors)}`);
  if (row.persisted !== undefined) parts.push(`persisted ${fmt(row.persisted)}/${fmt(row.sends)}`);
  if (row.completionSec !== undefined) parts.push(`done in ${row.completionSec} s`);
  if (row.ratioToRaw !== undefined) parts.push(`${row.ratioToRaw} × raw`);
  if (row.peakRssMiB)
    parts.push(
      `peak RSS file ${row.peakRssMiB.file} MiB, socket ${row.peakRssMiB.socket} MiB` +
        (row.riseMiB ? ` (+${row.riseMiB.socket} over its RSS before)` : ''),
    );
  if (row.rssMiB) parts.push(...memory(row));
  return parts.join('  ');
}

/** The connections scenario's columns: the socket app's memory, and what became of the clients. */
function memory(row) {
  const parts = [
    `socket RSS ${fmt(row.rssMiB.baseline)} → ${fmt(row.rssMiB.peak)} MiB (+${fmt(row.rssMiB.growth)}), live +${fmt(row.liveMiB.growth)} MiB`,
  ];
  if (row.perConnectionKiB)
    parts.push(
      `per connection ${fmt(row.perConnectionKiB.live)} KiB live, ${fmt(row.perConnectionKiB.rss)} KiB RSS (${fmt(row.openWhenMeasured ?? row.joined)} open)`,
    );
  if (row.closeCodes) {
    const codes = Object.entries(row.closeCodes).map(([code, n]) => `${n}× ${code}`);
    const fromSend = row.closedAfterSendSec ? `, ${row.closedAfterSendSec.p50} s after its message` : '';
    const after = row.closedAfterSec
      ? ` after p50 ${row.closedAfterSec.p50} s, max ${row.closedAfterSec.max} s${fromSend}`
      : '';
    parts.push(
      `closed by server ${row.closedByServer}/${row.connections}${codes.length ? ` (${codes.join(', ')}${after})` : ''}`,
    );
    if (row.answeredConnectError)
      parts.push(`${row.answeredConnectError} answered CONNECT_ERROR, last at ${row.lastAnswerSec} s`);
  }
  if (row.sent !== undefined)
    parts.push(
      `${fmt(row.sentMB)} MB sent in ${row.sendSec} s · ${row.droppedAfterSec === null ? 'never dropped' : `dropped after ${row.droppedAfterSec} s (${row.sentBeforeDropMB} MB sent by then)`}`,
    );
  return parts;
}

export function table(results) {
  const lines = [
    `${results.command}  (${results.machine.cpus} cores, ${results.machine.node}, calibration ${results.machine.calibrationMs ?? '–'} ms, database ${results.database})`,
  ];
  for (const [name, s] of Object.entries(results.scenarios)) {
    lines.push('', `${name}  ${JSON.stringify(s.settings ?? {})}`);
    for (const row of s.rows ?? []) lines.push(`  ${describe(row)}`);
    for (const [check, ok] of Object.entries(s.checks ?? {})) lines.push(`  ${ok ? '✓' : '✗'} ${check}`);
    for (const note of s.notes ?? []) lines.push(`  · ${note}`);
  }
  return lines.join('\n');
}

/** p50 and p99 ack latency (log scale) against the offered send rate, chat stack and bare. */
export function chart(curve) {
  const W = 720,
    H = 420,
    L = 70,
    R = 150,
    T = 40,
    B = 50;
  const series = Object.entries(curve?.series ?? {});
  const points = series.flatMap(([, s]) => s.flatMap((p) => [p.p50, p.p99])).filter((v) => v > 0);
  if (!points.length) return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>';
  const maxRate = Math.max(...curve.rates);
  const lo = Math.log10(Math.max(0.1, Math.min(...points) / 1.5));
  const hi = Math.log10(Math.max(...points) * 1.5);
  const x = (rate) => L + ((W - L - R) * rate) / maxRate;
  const y = (ms) => T + (H - T - B) * (1 - (Math.log10(Math.max(ms, 0.1)) - lo) / (hi - lo));
  const colors = { chat: '#1f6feb', bare: '#8b949e' };
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14" font-weight="bold">chat:send ack latency against offered load (${curve.clients} clients, open loop)</text>`,
  ];
  for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      out.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v} ms</text>`);
    }
  }
  for (const rate of curve.rates) {
    out.push(`<line x1="${x(rate)}" x2="${x(rate)}" y1="${T}" y2="${H - B}" stroke="#f3f3f3"/>`);
    out.push(
      `<text x="${x(rate)}" y="${H - B + 16}" text-anchor="middle">${rate.toLocaleString('en-US')}</text>`,
    );
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">offered messages/s</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`);
  let legend = T + 10;
  for (const [name, s] of series) {
    for (const [p, dash] of [
      ['p99', ''],
      ['p50', '4 3'],
    ]) {
      const path = s.map((pt) => `${x(pt.rate).toFixed(1)},${y(pt[p]).toFixed(1)}`).join(' ');
      out.push(
        `<polyline points="${path}" fill="none" stroke="${colors[name] ?? '#333'}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`,
      );
      for (const pt of s)
        out.push(
          `<circle cx="${x(pt.rate).toFixed(1)}" cy="${y(pt[p]).toFixed(1)}" r="3" fill="${colors[name] ?? '#333'}"/>`,
        );
      out.push(
        `<line x1="${W - R + 10}" x2="${W - R + 34}" y1="${legend}" y2="${legend}" stroke="${colors[name] ?? '#333'}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`,
      );
      out.push(`<text x="${W - R + 40}" y="${legend + 4}">${name} ${p}</text>`);
      legend += 18;
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function report(results) {
  return { table: table(results), svg: chart(results.scenarios.ingest?.curve) };
}
