// Onceflow dashboard: one EventSource on /pipeline/events ("checkpoint" for the recent checkpoints at once, then per
// checkpoint; "status" every second), charts drawn on canvases by hand. No framework, no build step, nothing fetched
// from elsewhere.
(() => {
  'use strict';

  const MAX_CHECKPOINTS = 150;
  const MAX_SAMPLES = 60;
  const number = new Intl.NumberFormat('en-US');
  const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const $ = (id) => document.getElementById(id);

  const checkpoints = []; // {id, outcome, ms, records}
  const crashMarks = []; // checkpoint count at the moment of each crash
  const samples = []; // ledger entries per second
  let seenCrashes = null;
  let seenRestarts = null;
  let checkpointCount = 0;
  let crashEnabled = false;
  // the checkpoints before the first status are the server's recent history: charted, not logged as news
  let live = false;

  function style(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // A canvas sized for the screen's pixel density; returns its context in CSS pixels.
  function fit(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    return { g, width, height };
  }

  function niceMax(value) {
    // quarters of these are round: the grid has four bands
    const steps = [20, 40, 100, 200, 400, 1000, 2000, 4000, 10000, 20000, 40000, 60000];
    return steps.find((s) => s >= value) || Math.ceil(value / 60000) * 60000;
  }

  function drawDurations() {
    const { g, width, height } = fit($('durations'));
    const left = 58, right = 8, top = 10, bottom = 22;
    const plotW = width - left - right, plotH = height - top - bottom;
    const max = niceMax(Math.max(50, ...checkpoints.map((c) => c.ms)));
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = style('--muted');
    g.strokeStyle = style('--card-edge');
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(width - right, Math.round(y) + 0.5);
      g.stroke();
      const label = (max * i) / 4;
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText(label >= 1000 ? label / 1000 + ' s' : label + ' ms', left - 8, y);
    }
    g.textAlign = 'left';
    g.textBaseline = 'top';
    // the chart fills up over the first minute, then scrolls
    const slots = Math.max(60, checkpoints.length);
    const slot = plotW / slots;
    const first = checkpointCount - checkpoints.length;
    checkpoints.forEach((c, i) => {
      const h = Math.max(1.5, (Math.min(c.ms, max) / max) * plotH);
      const x = left + (slots - checkpoints.length + i) * slot;
      g.fillStyle = c.outcome === 'COMPLETED' ? style('--accent') : style('--bad');
      g.fillRect(x + slot * 0.15, top + plotH - h, Math.max(1, slot * 0.7), h);
    });
    g.strokeStyle = style('--crash');
    g.setLineDash([4, 4]);
    g.lineWidth = 1.5;
    crashMarks.forEach((at) => {
      const index = at - first;
      if (index < 0) return;
      const x = left + (slots - checkpoints.length + index) * slot;
      g.beginPath();
      g.moveTo(x, top);
      g.lineTo(x, top + plotH);
      g.stroke();
      g.fillStyle = style('--crash');
      g.fillText('crash', x + 4, top + 2);
    });
    g.setLineDash([]);
    if (checkpoints.length) {
      g.fillStyle = style('--muted');
      g.textBaseline = 'alphabetic';
      g.fillText('#' + checkpoints[0].id, left, height - 6);
      g.textAlign = 'right';
      g.fillText('#' + checkpoints[checkpoints.length - 1].id, width - right, height - 6);
    }
    const sorted = checkpoints.map((c) => c.ms).sort((a, b) => a - b);
    $('chart-count').textContent = checkpoints.length;
    $('p50').textContent = sorted.length ? sorted[Math.floor(sorted.length / 2)].toFixed(0) + ' ms' : '–';
    $('max').textContent = sorted.length ? sorted[sorted.length - 1].toFixed(0) + ' ms' : '–';
  }

  function drawThroughput() {
    const { g, width, height } = fit($('throughput-chart'));
    if (samples.length < 2) return;
    const max = Math.max(10, ...samples) * 1.15;
    const step = width / Math.max(20, samples.length - 1);
    const x0 = width - (samples.length - 1) * step;
    const y = (v) => height - 2 - (v / max) * (height - 4);
    g.beginPath();
    samples.forEach((v, i) => (i ? g.lineTo(x0 + i * step, y(v)) : g.moveTo(x0, y(v))));
    g.strokeStyle = style('--accent');
    g.lineWidth = 1.8;
    g.stroke();
    g.lineTo(x0 + (samples.length - 1) * step, height);
    g.lineTo(x0, height);
    g.closePath();
    g.fillStyle = style('--accent-dim');
    g.fill();
  }

  function log(kind, text) {
    const item = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString('en-GB');
    const span = document.createElement('span');
    span.className = kind;
    span.textContent = text;
    item.append(time, span);
    const list = $('log');
    list.prepend(item);
    while (list.children.length > 200) list.lastChild.remove();
  }

  function toast(text) {
    const t = $('toast');
    t.textContent = text;
    t.classList.add('show');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
  }

  function showState(state) {
    const pill = $('state');
    pill.textContent = state;
    pill.className = 'pill ' + ({
      RUNNING: 'pill-running', CRASHED: 'pill-down', FAILED: 'pill-down', ABORTED: 'pill-down',
      RESTARTING: 'pill-restarting', STARTING: 'pill-restarting', STOPPING: 'pill-idle', STOPPED: 'pill-idle',
      COMPLETED: 'pill-idle', NOT_STARTED: 'pill-idle',
    }[state] || 'pill-idle');
  }

  function showPipeline(p) {
    showState(p.state);
    crashEnabled = p.crashEnabled;
    const button = $('crash');
    button.disabled = !crashEnabled || p.state !== 'RUNNING';
    button.title = crashEnabled
      ? 'kills the pipeline abruptly: no final checkpoint; it restarts from the last commit'
      : 'disabled: start the demo with --onceflow.demo.crash-enabled=true';
    $('throughput').textContent = number.format(Math.round(p.entriesPerSecond));
    $('read-rate').textContent = number.format(Math.round(p.paymentsPerSecond));
    $('lag').textContent = p.lag === null ? '–' : number.format(p.lag);
    $('checkpoint').textContent = p.lastCheckpoint ? '#' + number.format(p.lastCheckpoint) : '–';
    $('checkpoint-age').textContent = p.lastCheckpointAgeMillis < 0 ? 'none yet'
      : (p.lastCheckpointAgeMillis / 1000).toFixed(1) + ' s ago';
    // one definition everywhere (GET /pipeline, the health details, onceflow_pipeline_restarts_total): restarts by
    // the restart policy after a failed run; an injected crash is not one, it is counted beside
    $('restarts').textContent = number.format(p.restarts);
    $('crashes').textContent = number.format(p.crashes) + (p.crashes === 1 ? ' injected crash' : ' injected crashes');
    if (seenCrashes !== null && p.crashes > seenCrashes) {
      crashMarks.push(checkpointCount);
      log('crash', 'crash ' + p.crashes + ': pipeline killed without a final checkpoint; restarting from the last commit');
    }
    if (seenRestarts !== null && p.restarts > seenRestarts) {
      log('failed', 'restart ' + p.restarts + ' by the restart policy' + (p.lastError ? ': ' + p.lastError : ''));
    }
    seenCrashes = p.crashes;
    seenRestarts = p.restarts;
    samples.push(p.entriesPerSecond);
    if (samples.length > MAX_SAMPLES) samples.shift();
  }

  function check(id, value, goodWhenZero, label) {
    const li = $(id);
    li.querySelector('b').textContent = number.format(value);
    li.className = value === 0 ? 'good' : goodWhenZero ? 'bad' : 'info';
    li.title = label;
  }

  function showAudit(a) {
    $('payments-accepted').textContent = number.format(a.paymentsAccepted);
    $('ledger-entries').textContent = number.format(a.ledgerEntries);
    $('payments-invalid').textContent = number.format(a.paymentsInvalid);
    $('dead-letters').textContent = number.format(a.deadLetters);
    const verdict = $('verdict');
    const title = verdict.querySelector('.verdict-title');
    const text = verdict.querySelector('.verdict-text');
    if (a.verdict === 'EXACT') {
      verdict.className = 'verdict verdict-exact';
      title.textContent = '✓ EXACT';
      text.textContent = 'Every payment had exactly one effect: ' + number.format(a.ledgerEntries) + ' entries for '
        + number.format(a.paymentsAccepted) + ' payments, ' + number.format(a.deadLetters) + ' dead letters for '
        + number.format(a.paymentsInvalid) + ' invalid ones, and every sum agrees.';
    } else if (a.verdict === 'EXACT_SO_FAR') {
      verdict.className = 'verdict verdict-so-far';
      title.textContent = '✓ EXACT SO FAR';
      text.textContent = 'No duplicate, no gap, no wrong balance; ' + number.format(a.inFlight)
        + ' payments in flight, their effects are on the way.';
    } else if (a.verdict === 'STOPPED') {
      verdict.className = 'verdict verdict-broken';
      title.textContent = '? AUDITOR STOPPED';
      text.textContent = 'The audit stopped reading; its figures are those of that moment: ' + a.auditorStopped;
    } else {
      verdict.className = 'verdict verdict-broken';
      title.textContent = '✗ BROKEN';
      text.textContent = number.format(a.duplicates) + ' duplicates, ' + number.format(a.sequenceBreaks)
        + ' sequence breaks, ' + number.format(a.balanceMismatches) + ' wrong balances, '
        + number.format(a.unreadable) + ' outputs that do not read.';
    }
    $('payments-invalid').title = number.format(a.paymentsRepeated) + ' repeated payment ids, '
      + number.format(a.paymentsMisrouted) + ' in another partition than their account\'s';
    const body = $('sums');
    body.replaceChildren(...a.totals.map((t) => {
      const row = document.createElement('tr');
      const cells = [t.currency, t.payments, t.ledger, t.table].map((v, i) => {
        const td = document.createElement('td');
        td.textContent = i === 0 ? v : (t.currency === 'JPY' ? number.format(v) : money.format(v));
        // behind while payments are in flight; a difference is only wrong once nothing is
        if (i > 1 && v !== t.payments) td.className = a.verdict === 'BROKEN' ? 'differs' : 'behind';
        return td;
      });
      row.append(...cells);
      return row;
    }));
    check('check-inflight', a.inFlight, false, 'payments whose effect is on its way');
    check('check-duplicates', a.duplicates, true, 'entries or dead letters with no payment waiting for them');
    check('check-sequence', a.sequenceBreaks, true, 'ledger entries out of their balance\'s sequence');
    check('check-balances', a.balanceMismatches, true, 'entries whose balance is not the previous one plus the amount');
  }

  function onCheckpoint(c) {
    checkpointCount++;
    if (!live) {
      checkpoints.push({ id: c.id, outcome: c.outcome, ms: c.durationMillis, records: c.records });
      if (checkpoints.length > MAX_CHECKPOINTS) checkpoints.shift();
      drawDurations();
      return;
    }
    checkpoints.push({ id: c.id, outcome: c.outcome, ms: c.durationMillis, records: c.records });
    if (checkpoints.length > MAX_CHECKPOINTS) checkpoints.shift();
    if (c.outcome === 'COMPLETED') {
      // between two status events, the tile follows the checkpoints as they complete
      $('checkpoint').textContent = '#' + number.format(c.id);
      $('checkpoint-age').textContent = 'just now';
      log('ok', 'checkpoint ' + c.id + ' committed ' + number.format(c.records) + ' records in '
        + c.durationMillis.toFixed(0) + ' ms');
    } else {
      log('failed', 'checkpoint ' + c.id + ' failed: ' + (c.error || 'unknown'));
    }
    drawDurations();
  }

  function connect() {
    const events = new EventSource('pipeline/events');
    events.addEventListener('status', (e) => {
      live = true;
      const status = JSON.parse(e.data);
      showPipeline(status.pipeline);
      showAudit(status.audit);
      drawThroughput();
      drawDurations();
    });
    events.addEventListener('checkpoint', (e) => onCheckpoint(JSON.parse(e.data)));
    events.onerror = () => {
      // a reconnect replays the recent checkpoints: start the chart afresh
      live = false;
      checkpoints.length = 0;
      checkpointCount = 0;
      crashMarks.length = 0;
      showState('DISCONNECTED');
      $('crash').disabled = true;
    };
  }

  $('crash').addEventListener('click', async () => {
    $('crash').disabled = true;
    try {
      // JSON: a content type no form of another site can send (the server refuses a crash without it)
      const response = await fetch('pipeline/crash', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}'
      });
      const body = await response.json();
      toast(response.ok
        ? 'Crash ' + body.crashes + ' injected: the pipeline was killed without a final checkpoint.'
        : (body.detail || body.title || 'the crash was refused'));
    } catch (e) {
      toast('the crash request failed: ' + e);
    }
  });

  window.addEventListener('resize', () => { drawDurations(); drawThroughput(); });
  connect();
})();
