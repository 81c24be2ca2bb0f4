// The review page: polls /api/state, draws stage, plan, cost, progress chart, preview grid and approval buttons.
// Plain DOM, no build step. Text always goes through textContent, never innerHTML.
'use strict';

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
let gridKey = '';
let videosKey = '';
let approving = false;

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

function facts(dl, rows) {
  dl.replaceChildren(...rows.filter((r) => r && r[1] !== undefined && r[1] !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

const money = (n, cur) => `${n.toFixed(2)} ${cur}`;
const when = (ms) => new Date(ms).toLocaleString();
function left(ms) {
  if (ms <= 0) return 'now';
  const s = Math.round(ms / 1000), hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? `${hh} h ${mm} min` : mm ? `${mm} min ${ss} s` : `${ss} s`;
}

async function refresh() {
  let state;
  try {
    const res = await fetch('/api/state', { cache: 'no-store' });
    state = await res.json();
  } catch (err) {
    showNote(`lost contact with wanflow review (${err.message}); retrying…`);
    return;
  }
  render(state);
}

function showNote(text) {
  $('note').hidden = !text;
  $('note').textContent = text || '';
}

function render(state) {
  const s = state.status;
  document.body.dataset.stage = s ? s.stage : '';
  $('workflow-id').textContent = state.workflowId;
  $('stage').textContent = s ? s.stage : state.workflowStatus || 'unknown';
  $('stage').className = `pill ${s ? s.stage : ''}`;
  $('subtitle').textContent = s ? [s.model, s.label, state.workflowStatus && `workflow ${state.workflowStatus}`].filter(Boolean).join(' · ') : '';
  showNote(state.note);
  if (!s) return;
  renderPlan(s);
  renderChart(s);
  renderApproval(s, state.serverTimeMs);
  renderAfter(s);
  renderGrid(state);
  for (const th of document.querySelectorAll('thead th[data-checkpoint]')) th.classList.toggle('chosen', th.dataset.checkpoint === s.checkpoint);
  renderVideos(state);
  renderNotifications(s);
}

function renderPlan(s) {
  const p = s.plan;
  facts($('plan'), [
    s.dataset && ['dataset', `${s.dataset.filename}, ${s.dataset.samples} samples, ${s.dataset.billableSeconds} billable s`],
    p && ['plan', `${p.totalSteps} steps (${p.stepsPerEpoch}/epoch), ~${p.estimatedTokens.toLocaleString('en-US')} tokens`],
    p && ['hyper-parameters', Object.entries(p.hyperParameters).map(([k, v]) => `${k}=${v}`).join(', ')],
    s.jobId && ['job', `${s.jobId} ${s.job ? s.job.status : ''}${s.job && s.job.epoch !== undefined ? `, epoch ${s.job.epoch}/${s.job.totalEpochs}` : ''}`],
    s.trainingEtaMs !== undefined && s.stage === 'training' && ['time left', `~${left(s.trainingEtaMs)}`],
    s.error && ['error', s.error],
  ]);
  const c = s.cost;
  const table = $('cost');
  if (!c) return void table.replaceChildren();
  const items = [...new Set([...c.estimated.lines, ...(c.actual ? c.actual.lines : [])].map((l) => l.item))];
  const cell = (side, item) => {
    const l = side && side.lines.find((x) => x.item === item);
    return l ? h('td', { class: 'num', title: l.basis }, money(l.amount, c.currency)) : h('td', { class: 'num' }, '—');
  };
  const rows = [
    h('tr', {}, h('th', {}, ''), h('th', {}, 'estimated'), h('th', {}, 'actual')),
    ...items.map((item) => h('tr', {}, h('td', {}, item), cell(c.estimated, item), cell(c.actual, item))),
    h('tr', { id: 'cost-total' }, h('th', {}, 'total'), h('td', { class: 'num' }, money(c.estimated.total, c.currency)), h('td', { class: 'num' }, c.actual ? money(c.actual.total, c.currency) : '—')),
    c.maxCost !== undefined ? h('tr', {}, h('td', {}, 'cap'), h('td', { class: 'num' }, money(c.maxCost, c.currency)), h('td', {}, '')) : null,
    ...[...new Set([...c.estimated.unknown, ...(c.actual ? c.actual.unknown : [])])].map((u) => h('tr', {}, h('td', { colspan: '3', class: 'missing' }, u))),
  ];
  table.replaceChildren(...rows.filter(Boolean));
}

function renderChart(s) {
  const pts = (s.progressSeries || []).filter((p) => p.progress !== undefined || p.tokens !== undefined);
  const box = $('chart');
  if (pts.length === 0) return void box.replaceChildren(h('p', { class: 'missing' }, s.jobId ? 'no progress reported yet' : 'no training in this pipeline'));
  const useTokens = pts.every((p) => p.progress === undefined);
  const val = (p) => (useTokens ? p.tokens : p.progress);
  const W = 560, H = 180, L = 44, B = 24, T = 8, R = 12;
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  const vmax = useTokens ? Math.max(...pts.map(val), 1) : 1;
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / vmax) * (H - T - B);
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('id', 'progress-chart');
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  for (const f of [0, 0.5, 1]) {
    el('line', { x1: L, x2: W - R, y1: y(f * vmax), y2: y(f * vmax), stroke: '#e5e8ee' });
    el('text', { x: 2, y: y(f * vmax) + 4 }, useTokens ? Math.round(f * vmax).toLocaleString('en-US') : `${Math.round(f * 100)}%`);
  }
  el('text', { x: L, y: H - 6 }, new Date(t0).toLocaleTimeString());
  el('text', { x: W - R - 60, y: H - 6 }, new Date(t1).toLocaleTimeString());
  el('polyline', { fill: 'none', stroke: '#2d6cdf', 'stroke-width': 2, points: pts.map((p) => `${x(p.t).toFixed(1)},${y(val(p)).toFixed(1)}`).join(' ') });
  for (const p of pts) el('circle', { cx: x(p.t).toFixed(1), cy: y(val(p)).toFixed(1), r: 3, fill: '#2d6cdf' }).append(Object.assign(document.createElementNS(NS, 'title'), { textContent: `${new Date(p.t).toLocaleTimeString()}: ${useTokens ? `${p.tokens} tokens` : `${Math.round(p.progress * 100)}%`} ${p.status}` }));
  box.replaceChildren(svg, h('p', { class: 'missing' }, `${useTokens ? 'tokens consumed' : 'progress'} over time (${pts.length} points)`));
}

function renderApproval(s, serverTimeMs) {
  const a = s.awaitingApproval;
  $('approval').hidden = !a;
  for (const b of document.querySelectorAll('button.approve')) b.hidden = !a;
  if (!a) return;
  $('approval-info').textContent = `Deadline ${when(a.deadlineMs)} (in ${left(a.deadlineMs - serverTimeMs)}); if nobody approves by then, the pipeline deploys: ${a.fallback === 'latest' ? 'the latest checkpoint' : a.fallback === 'final' ? 'the final output' : 'nothing (it fails)'}.`;
  const names = ['final', ...a.candidates];
  const key = names.join(',');
  if ($('approval-buttons').dataset.key !== key) {
    $('approval-buttons').dataset.key = key;
    $('approval-buttons').replaceChildren(...names.map((c) => approveButton(c, c === 'final' ? 'Approve final output' : `Approve ${c}`)));
  }
}

function approveButton(checkpoint, label) {
  return h('button', { class: 'approve', 'data-checkpoint': checkpoint, on: { click: () => approve(checkpoint) } }, label);
}

async function approve(checkpoint) {
  if (approving) return;
  approving = true;
  const answer = $('approval-answer');
  answer.className = '';
  answer.textContent = `approving ${checkpoint}…`;
  for (const b of document.querySelectorAll('button.approve')) b.disabled = true;
  try {
    const res = await fetch('/api/approve', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ checkpoint }) });
    const r = await res.json();
    answer.className = r.ok ? 'ok' : 'error';
    answer.textContent = r.ok ? `approved ${r.checkpoint}: the pipeline deploys it now` : `not approved: ${r.error}`;
  } catch (err) {
    answer.className = 'error';
    answer.textContent = `not approved: ${err.message}`;
  } finally {
    approving = false;
    for (const b of document.querySelectorAll('button.approve')) b.disabled = false;
    void refresh();
  }
}

function renderAfter(s) {
  const shown = Boolean(s.checkpoint || s.modelName || s.deployedModel) || ['exporting', 'deploying', 'generating', 'succeeded'].includes(s.stage);
  $('after').hidden = !shown;
  if (!shown) return;
  facts($('after-facts'), [
    ['checkpoint', s.checkpoint],
    ['stage', s.stage],
    ['model', s.modelName],
    ['deployment', s.deployedModel && `${s.deployedModel} ${s.deploymentStatus || ''}`],
    ['videos', s.artifacts.videos.length ? `${s.artifacts.videos.length} generated` : undefined],
  ]);
}

function renderGrid(state) {
  const { checkpoints, rows } = state.grid;
  const note = state.artifacts.note;
  $('artifacts-note').hidden = !note || (state.artifacts.reachable && rows.length > 0);
  $('artifacts-note').textContent = note || '';
  const key = JSON.stringify(state.grid);
  if (key === gridKey) return;
  gridKey = key;
  if (rows.length === 0) {
    $('grid').replaceChildren(h('p', { class: 'missing' }, state.status.stage === 'training' || state.status.stage === 'collecting-previews' ? 'previews appear when training has finished' : 'no previews'));
    return;
  }
  const head = h('tr', {}, h('th', {}, 'validation sample'), ...checkpoints.map((c) => h('th', { 'data-checkpoint': c }, c, ' ', approveButton(c, 'approve'))));
  const body = rows.map((r) => {
    const vids = [];
    const cells = checkpoints.map((c) => {
      const src = r.videos[c];
      if (!src) return h('td', { class: 'missing' }, 'no preview');
      const v = h('video', { src, muted: true, loop: true, autoplay: true, playsInline: true, preload: 'auto', controls: true, 'data-checkpoint': c, 'data-sample': String(r.sample) });
      autoplay(v);
      vids.push(v);
      return h('td', {}, v);
    });
    const sync = h('button', { class: 'sync', on: { click: () => playInStep(vids) } }, '▶ play row in step');
    return h('tr', { 'data-sample': String(r.sample) }, h('td', { class: 'sample' }, h('strong', {}, `sample ${r.sample}`), r.firstFrame ? h('img', { src: r.firstFrame, alt: `first frame of sample ${r.sample}` }) : null, h('div', {}, r.prompt || ''), sync), ...cells);
  });
  $('grid').replaceChildren(h('div', { class: 'grid' }, h('table', {}, h('thead', {}, head), h('tbody', {}, body))));
  renderApproval(state.status, state.serverTimeMs);
}

/** Restarts a row's videos together and keeps them within a tenth of a second of the first one. */
function playInStep(vids) {
  if (vids.length === 0) return;
  for (const v of vids) {
    v.pause();
    v.currentTime = 0;
  }
  void Promise.all(vids.map((v) => v.play().catch(() => undefined)));
  const lead = vids[0];
  lead.ontimeupdate = () => {
    for (const v of vids.slice(1)) if (Math.abs(v.currentTime - lead.currentTime) > 0.1) v.currentTime = lead.currentTime;
  };
}

/** Muted, so browsers let it start by itself; started again once it can play (some browsers ignore autoplay). */
function autoplay(v) {
  v.defaultMuted = true;
  v.muted = true;
  v.setAttribute('muted', '');
  v.addEventListener('canplay', () => void v.play().catch(() => undefined), { once: true });
  return v;
}

function renderVideos(state) {
  $('generated').hidden = state.videos.length === 0;
  const key = state.videos.join('|');
  if (key === videosKey) return;
  videosKey = key;
  $('videos').replaceChildren(...state.videos.map((src) => h('video', { src, muted: true, loop: true, autoplay: true, playsInline: true, controls: true, class: 'generated' })));
  for (const v of $('videos').querySelectorAll('video')) autoplay(v);
}

function renderNotifications(s) {
  const n = s.notifications || [];
  $('notifications').hidden = n.length === 0;
  $('notification-list').replaceChildren(...n.map((r) => h('li', { class: r.state }, `${r.event}: ${r.state}${r.attempts ? ` after ${r.attempts} attempt(s)` : ''}${r.error ? ` (${r.error})` : ''} · ${r.webhookId}`)));
}

void refresh();
setInterval(() => void refresh(), POLL_MS);
