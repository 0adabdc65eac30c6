/// The dashboard page: one self-contained HTML file (inline CSS and JavaScript, no CDN, no external
/// asset) so it works offline and ships inside the single `eddy` binary.
///
/// It follows the pipeline's topology rather than the reviews demo: `/api/streams` lists the
/// declared streams, and the page draws one chart per numeric column of each stream, one line per
/// key (the stream's key column). A stream with an `ANOMALY_SCORE` column is drawn as an anomaly
/// chart, with its `THRESHOLD` column dashed and alerts as markers. Live updates come from
/// `/events` (server-sent events). Data counts are mirrored into `data-*` attributes so headless
/// tests can read them from the DOM.
enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Eddy · live dashboard</title>
<style>
:root {
  --bg: #0d1117; --panel: #161b22; --panel-2: #1c2230; --border: #2a3140; --text: #e6edf3;
  --muted: #8b949e; --grid: #232a36; --accent: #58a6ff; --good: #3fb950; --warn: #d29922; --bad: #f85149;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text);
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { display: flex; align-items: center; gap: 16px; padding: 10px 18px; border-bottom: 1px solid var(--border);
  background: var(--panel); position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; letter-spacing: .2px; }
header h1 span { color: var(--muted); font-weight: 400; }
#status { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); font-size: 12px; }
#status i { width: 8px; height: 8px; border-radius: 50%; background: var(--warn); display: inline-block; }
#status.live i { background: var(--good); box-shadow: 0 0 6px var(--good); }
#status.down i { background: var(--bad); }
header .spacer { flex: 1; }
header .meta { color: var(--muted); font-size: 12px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 14px; padding: 14px 18px; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; align-content: start; }
.side { display: flex; flex-direction: column; gap: 14px; min-width: 0; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px 8px; min-width: 0; }
.panel h2 { font-size: 12px; font-weight: 600; margin: 0 0 6px; color: var(--text); text-transform: uppercase; letter-spacing: .6px; }
.panel h2 small { color: var(--muted); font-weight: 400; text-transform: none; letter-spacing: 0; margin-left: 6px; }
.panel.wide { grid-column: 1 / -1; }
.chart canvas { width: 100%; height: 190px; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 4px; font-size: 12px; color: var(--muted); }
.legend span { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.legend b { color: var(--text); font-weight: 500; }
.legend i { width: 12px; height: 3px; border-radius: 2px; display: inline-block; }
.legend i.dash { background: repeating-linear-gradient(90deg, currentColor 0 4px, transparent 4px 7px) !important; height: 2px; }
.empty { color: var(--muted); padding: 30px 0; text-align: center; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
.tile { background: var(--panel-2); border-radius: 6px; padding: 6px 8px; }
.tile .v { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .l { font-size: 11px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile.bad .v { color: var(--bad); }
.tile.warn .v { color: var(--warn); }
.lag { margin-top: 8px; font-size: 12px; }
.lag .row { display: grid; grid-template-columns: 130px 1fr 64px; gap: 8px; align-items: center; margin: 3px 0; }
.lag .bar { height: 6px; background: var(--panel-2); border-radius: 3px; overflow: hidden; }
.lag .bar i { display: block; height: 100%; background: var(--accent); }
.lag .n { text-align: right; font-variant-numeric: tabular-nums; }
.lag .name { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.times { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin-top: 8px; font-size: 12px; }
.times dt { color: var(--muted); }
.times dd { margin: 0; font-variant-numeric: tabular-nums; }
.alerts { flex: 1; display: flex; flex-direction: column; min-height: 260px; }
#alert-list { list-style: none; margin: 0; padding: 0; overflow-y: auto; max-height: 640px; }
#alert-list li { border-left: 3px solid var(--bad); background: var(--panel-2); border-radius: 4px; padding: 6px 8px; margin-bottom: 6px; }
#alert-list li.followup { border-left-color: var(--warn); }
#alert-list .top { display: flex; gap: 6px; align-items: baseline; }
#alert-list .kind { font-size: 10px; text-transform: uppercase; letter-spacing: .5px; padding: 1px 5px; border-radius: 3px; background: #3d1d20; color: #ffa198; }
#alert-list .origin { color: var(--muted); font-size: 11px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
#alert-list .when { margin-left: auto; color: var(--muted); font-size: 11px; white-space: nowrap; }
#alert-list .summary { margin: 3px 0; }
#alert-list .facts { color: var(--muted); font-size: 11px; display: flex; flex-wrap: wrap; gap: 2px 10px; }
#alert-list .facts b { color: var(--text); font-weight: 500; }
#alert-list .expl { margin-top: 3px; font-size: 11px; color: var(--muted); }
#alert-list .expl span { margin-right: 8px; }
.up { color: var(--bad); } .down { color: var(--accent); }
@media (max-width: 1100px) {
  .layout { grid-template-columns: 1fr; }
  .charts { grid-template-columns: 1fr; }
  #alert-list { max-height: 420px; }
}
</style>
</head>
<body data-connected="false" data-live-events="0" data-streams="0" data-alerts="0" data-health-samples="0" data-charts="0" data-points="0">
<header>
  <h1>Eddy <span>· live pipeline dashboard</span></h1>
  <span id="status"><i></i><span>connecting…</span></span>
  <span class="spacer"></span>
  <span class="meta" id="meta"></span>
</header>
<div class="layout">
  <main class="charts" id="charts"></main>
  <aside class="side">
    <section class="panel" id="health-panel">
      <h2>Pipeline health</h2>
      <div class="tiles">
        <div class="tile"><div class="v" id="h-in">–</div><div class="l">records in / s</div></div>
        <div class="tile"><div class="v" id="h-out">–</div><div class="l">records out / s</div></div>
        <div class="tile" id="h-wm-tile"><div class="v" id="h-wm">–</div><div class="l">watermark delay</div></div>
        <div class="tile" id="h-late-tile"><div class="v" id="h-late">–</div><div class="l">late rows</div></div>
        <div class="tile" id="h-err-tile"><div class="v" id="h-err">–</div><div class="l">error rows</div></div>
        <div class="tile"><div class="v" id="h-alerts">–</div><div class="l">alerts</div></div>
      </div>
      <div class="lag" id="lag"></div>
      <dl class="times">
        <dt>Last commit</dt><dd id="h-commit">–</dd>
        <dt>Last checkpoint</dt><dd id="h-checkpoint">–</dd>
        <dt>Totals</dt><dd id="h-totals">–</dd>
      </dl>
    </section>
    <section class="panel alerts">
      <h2>Alerts <small id="alert-count"></small></h2>
      <ul id="alert-list"><li class="empty" style="border:0;background:none">No alerts yet.</li></ul>
    </section>
  </aside>
</div>
<script>
"use strict";
(function () {
  const PALETTE = ["#58a6ff", "#f778ba", "#e3b341", "#3fb950", "#bc8cff", "#ff7b72", "#39c5cf", "#ffa657", "#a5d6ff", "#7ee787"];
  const MAX_POINTS = 720;
  const MAX_ALERTS = 100;
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  // ?live-events=N stops listening after N live events: headless renders (screenshots, tests) then
  // see live data and still finish, since an open event stream would keep the page loading forever.
  const maxLiveEvents = Number(params.get("live-events")) || 0;
  let liveEvents = 0;
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const body = document.body;

  // ---- state -------------------------------------------------------------------------------
  let streams = new Map();        // name -> {decl, keyIdx, timeIdx, cols: [{name, idx}], scoreIdx, thresholdIdx, series}
  let charts = new Map();         // id -> chart
  let alerts = [];                // [{t, alert}] newest last
  let health = [];                // health samples, oldest first
  let snapshotSeq = null;
  let lastSeq = 0;              // every row/alert/health event carries the hub's next sequence number
  let pending = [];
  let resyncing = false;
  let dirty = false;

  // ---- formatting --------------------------------------------------------------------------
  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100) return v.toFixed(0);
    if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, "");
    if (a === 0) return "0";
    return v.toPrecision(2);
  }
  function pad(n) { return String(n).padStart(2, "0"); }
  function clock(ms) { const d = new Date(ms); return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
  function ago(ms) {
    if (!ms) return "none yet";
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) return s + " s ago (" + clock(ms) + ")";
    if (s < 3600) return Math.round(s / 60) + " min ago (" + clock(ms) + ")";
    return clock(ms);
  }
  function seconds(s) {
    if (s === null || s === undefined) return "–";
    if (s < 1) return Math.round(s * 1000) + " ms";
    if (s < 120) return s.toFixed(1) + " s";
    return Math.round(s / 60) + " min";
  }
  function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function title(name) { return name.replace(/_/g, " ").toLowerCase().replace(/^./, c => c.toUpperCase()); }

  // ---- a tiny line chart on canvas -----------------------------------------------------------
  // lines: [{label, color, points: [[t, v]], dashed}], markers: [{t, v, color, label}], yMin0: bool
  function LineChart(container) {
    const canvas = document.createElement("canvas");
    container.appendChild(canvas);
    const legend = el("div", "legend");
    container.appendChild(legend);
    this.canvas = canvas; this.legend = legend; this.legendKey = "";
  }
  LineChart.prototype.draw = function (lines, markers, opts) {
    opts = opts || {};
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 600, h = canvas.clientHeight || 190;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    let tMin = Infinity, tMax = -Infinity, vMin = Infinity, vMax = -Infinity;
    for (const line of lines) for (const [t, v] of line.points) {
      if (v === null) continue;
      if (t < tMin) tMin = t; if (t > tMax) tMax = t; if (v < vMin) vMin = v; if (v > vMax) vMax = v;
    }
    const visibleMarkers = (markers || []).filter(m => isFinite(m.t) && m.t >= tMin && m.t <= tMax);
    const styles = getComputedStyle(document.documentElement);
    const muted = styles.getPropertyValue("--muted").trim(), grid = styles.getPropertyValue("--grid").trim();
    ctx.font = "11px system-ui, sans-serif";
    if (!isFinite(tMin)) {
      ctx.fillStyle = muted; ctx.textAlign = "center";
      ctx.fillText("waiting for data…", w / 2, h / 2);
      this.renderLegend(lines);
      return;
    }
    if (opts.zeroBased && vMin > 0) vMin = 0;
    if (vMax === vMin) { vMax += Math.abs(vMax) * 0.1 || 1; vMin -= Math.abs(vMin) * 0.1 || (opts.zeroBased ? 0 : 1); }
    const span = vMax - vMin; vMax += span * (visibleMarkers.length ? 0.2 : 0.08); if (!(opts.zeroBased && vMin === 0)) vMin -= span * 0.08;
    if (tMax === tMin) { tMin -= 30000; tMax += 1000; }
    const left = 48, right = 10, top = 8, bottom = 20;
    const x = t => left + (t - tMin) / (tMax - tMin) * (w - left - right);
    const y = v => top + (1 - (v - vMin) / (vMax - vMin)) * (h - top - bottom);
    // grid and axes
    ctx.strokeStyle = grid; ctx.lineWidth = 1; ctx.fillStyle = muted; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of niceTicks(vMin, vMax, 4)) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, yy); ctx.lineTo(w - right, yy); ctx.stroke();
      ctx.fillText(fmt(v), left - 6, yy);
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    const xTicks = Math.max(2, Math.floor((w - left - right) / 110));
    for (let i = 0; i <= xTicks; i++) {
      const t = tMin + (tMax - tMin) * i / xTicks;
      ctx.fillText(clock(t), Math.min(Math.max(x(t), left + 22), w - right - 22), h - bottom + 5);
    }
    // lines
    for (const line of lines) {
      ctx.strokeStyle = line.color; ctx.lineWidth = line.dashed ? 1.25 : 1.75;
      ctx.setLineDash(line.dashed ? [5, 4] : []);
      ctx.beginPath();
      let started = false;
      for (const [t, v] of line.points) {
        if (v === null) { started = false; continue; }
        if (!started) { ctx.moveTo(x(t), y(v)); started = true; } else ctx.lineTo(x(t), y(v));
      }
      ctx.stroke();
      if (line.points.length === 1 && line.points[0][1] !== null) {
        ctx.fillStyle = line.color; ctx.beginPath(); ctx.arc(x(line.points[0][0]), y(line.points[0][1]), 2.5, 0, 7); ctx.fill();
      }
    }
    ctx.setLineDash([]);
    // alert markers: a triangle above the point, and a faint vertical rule
    for (const m of visibleMarkers) {
      const mx = x(m.t), my = Math.max(top + 14, Math.min(h - bottom, y(typeof m.v === "number" && isFinite(m.v) ? m.v : vMax)));
      ctx.strokeStyle = "rgba(248,81,73,.35)"; ctx.beginPath(); ctx.moveTo(mx, top); ctx.lineTo(mx, h - bottom); ctx.stroke();
      ctx.fillStyle = m.color || "#f85149";
      ctx.beginPath(); ctx.moveTo(mx, my - 3); ctx.lineTo(mx - 6, my - 13); ctx.lineTo(mx + 6, my - 13); ctx.closePath(); ctx.fill();
    }
    this.renderLegend(lines);
  };
  LineChart.prototype.renderLegend = function (lines) {
    const shown = lines.filter(l => !l.hideInLegend);
    if (lines.some(l => l.hideInLegend && l.dashed)) shown.push({ label: "threshold", color: "#8b949e", dashed: true, points: [] });
    const key = shown.map(l => l.label + "|" + l.color + "|" + fmt(last(l.points))).join(";");
    if (key === this.legendKey) return;
    this.legendKey = key;
    this.legend.textContent = "";
    for (const line of shown) {
      const item = el("span");
      const swatch = el("i", line.dashed ? "dash" : "");
      swatch.style.background = line.color; swatch.style.color = line.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(line.label + " "));
      if (line.points.length) item.appendChild(el("b", "", fmt(last(line.points))));
      this.legend.appendChild(item);
    }
  };
  function last(points) { for (let i = points.length - 1; i >= 0; i--) if (points[i][1] !== null) return points[i][1]; return null; }
  function niceTicks(min, max, count) {
    const raw = (max - min) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map(s => s * mag).find(s => s >= raw) || raw;
    const ticks = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return ticks;
  }

  // ---- panels ------------------------------------------------------------------------------
  // rank orders the grid: anomaly charts first (wide), then per-key charts, message rate, the rest.
  function panel(id, heading, sub, wide, rank) {
    let chart = charts.get(id);
    if (chart) return chart;
    const section = el("section", "panel chart" + (wide ? " wide" : ""));
    section.style.order = String(rank);
    section.dataset.chart = id; section.dataset.points = "0"; section.dataset.series = "0";
    const h = el("h2", "", heading);
    if (sub) h.appendChild(el("small", "", sub));
    section.appendChild(h);
    chart = new LineChart(section);
    chart.section = section; chart.id = id;
    document.getElementById("charts").appendChild(section);
    charts.set(id, chart);
    return chart;
  }
  function colorFor(index) { return PALETTE[index % PALETTE.length]; }

  // ---- streams -----------------------------------------------------------------------------
  function declare(decl) {
    if (streams.has(decl.name)) return streams.get(decl.name);
    const upper = decl.columns.map(c => c.name.toUpperCase());
    const s = {
      decl: decl,
      keyIdx: decl.key ? decl.columns.findIndex(c => c.name === decl.key) : -1,
      timeIdx: decl.columns.findIndex(c => c.kind === "timestamp"),
      scoreIdx: upper.indexOf("ANOMALY_SCORE"),
      thresholdIdx: upper.indexOf("THRESHOLD"),
      cols: [],
      series: new Map(),   // column index -> Map(key -> points)
      keys: [],            // keys in first-seen order, for stable colours
    };
    decl.columns.forEach((c, i) => {
      if (c.kind !== "numeric" || i === s.scoreIdx || i === s.thresholdIdx) return;
      s.cols.push({ name: c.name, idx: i });
    });
    streams.set(decl.name, s);
    const per = s.keyIdx >= 0 ? " · per " + decl.key.toLowerCase() : "";
    if (s.scoreIdx >= 0) panel(decl.name + "/" + decl.columns[s.scoreIdx].name, "Anomaly score", decl.name + per + (s.thresholdIdx >= 0 ? " · dashed: threshold · ▼ alert" : " · ▼ alert"), true, 0);
    // With a key: one chart per numeric column, one line per key. Without: one chart, one line per column.
    if (s.keyIdx >= 0) for (const c of s.cols) panel(decl.name + "/" + c.name, title(c.name), decl.name + per, false, 1);
    else if (s.cols.length) panel(decl.name + "/*", title(decl.name), s.cols.length > 1 ? decl.name + " · one line per column" : decl.name, false, 3);
    body.dataset.streams = String(streams.size);
    return s;
  }
  function addRow(name, row) {
    const s = streams.get(name);
    if (!s) return;
    const values = row.slice(1);
    const t = s.timeIdx >= 0 && typeof values[s.timeIdx] === "number" ? values[s.timeIdx] : row[0];
    const key = s.keyIdx >= 0 ? String(values[s.keyIdx]) : "all";
    if (!s.keys.includes(key)) s.keys.push(key);
    const indexes = s.cols.map(c => c.idx);
    if (s.scoreIdx >= 0) indexes.push(s.scoreIdx);
    if (s.thresholdIdx >= 0) indexes.push(s.thresholdIdx);
    for (const idx of indexes) {
      let byKey = s.series.get(idx);
      if (!byKey) { byKey = new Map(); s.series.set(idx, byKey); }
      let points = byKey.get(key);
      if (!points) { points = []; byKey.set(key, points); }
      const v = values[idx];
      points.push([t, typeof v === "number" ? v : null]);
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    }
    dirty = true;
  }

  // ---- alerts ------------------------------------------------------------------------------
  function alertTime(entry) {
    const a = entry.alert, et = a.event_time !== undefined ? a.event_time : a.EVENT_TIME;
    if (typeof et === "number") return et > 1e11 ? et : et * 1000;
    if (typeof et === "string") { const p = Date.parse(et); if (!Number.isNaN(p)) return p; }
    return entry.t;
  }
  function addAlert(entry) {
    alerts.push(entry);
    if (alerts.length > MAX_ALERTS) alerts.splice(0, alerts.length - MAX_ALERTS);
    const list = document.getElementById("alert-list");
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    list.insertBefore(renderAlert(entry), list.firstChild);
    while (list.children.length > MAX_ALERTS) list.removeChild(list.lastChild);
    body.dataset.alerts = String(alerts.length);
    document.getElementById("alert-count").textContent = alerts.length + (alerts.length === MAX_ALERTS ? "+" : "");
    dirty = true;
  }
  function renderAlert(entry) {
    const a = entry.alert;
    const li = el("li", a.suppressed_count || a.followup ? "followup" : "");
    const top = el("div", "top");
    top.appendChild(el("span", "kind", String(a.kind || "alert")));
    const origin = [a.topology, a.pump].filter(Boolean).join(" / ");
    if (origin) top.appendChild(el("span", "origin", origin));
    top.appendChild(el("span", "when", clock(alertTime(entry))));
    li.appendChild(top);
    li.appendChild(el("div", "summary", String(a.summary || JSON.stringify(a).slice(0, 160))));
    const facts = el("div", "facts");
    const fact = (label, value) => { if (value === undefined || value === null || value === "") return; const f = el("span", "", label + " "); f.appendChild(el("b", "", typeof value === "number" ? fmt(value) : String(value))); facts.appendChild(f); };
    fact("score", a.score); fact("threshold", a.threshold);
    if (a.suppressed_count) fact("suppressed", a.suppressed_count);
    const skip = new Set(["kind", "summary", "score", "threshold", "explanation", "event_time", "topology", "pump", "suppressed_count", "followup"]);
    const context = a.record && typeof a.record === "object" ? a.record : a;
    for (const [k, v] of Object.entries(context)) {
      if (skip.has(k) || typeof v === "object") continue;
      fact(k, v);
    }
    li.appendChild(facts);
    const ex = a.explanation;
    if (ex && typeof ex === "object") {
      const parts = Object.entries(ex).map(([col, e]) => {
        if (typeof e === "number") return [col, e, ""];
        if (e && typeof e === "object") return [col, Number(e.ATTRIBUTION_SCORE ?? e.attribution ?? e.STRENGTH ?? e.strength ?? 0), String(e.DIRECTION ?? e.direction ?? "")];
        return [col, 0, String(e)];
      }).sort((p, q) => q[1] - p[1]).slice(0, 4);
      const div = el("div", "expl", "why: ");
      for (const [col, score, dir] of parts) {
        const span = el("span", dir.toUpperCase() === "HIGH" ? "up" : dir.toUpperCase() === "LOW" ? "down" : "", col + (dir ? (dir.toUpperCase() === "HIGH" ? " ↑" : dir.toUpperCase() === "LOW" ? " ↓" : " " + dir) : "") + " " + fmt(score));
        div.appendChild(span);
      }
      li.appendChild(div);
    } else if (typeof ex === "string" && ex) {
      li.appendChild(el("div", "expl", "why: " + ex));
    }
    return li;
  }

  // ---- health ------------------------------------------------------------------------------
  function addHealth(sample) {
    health.push(sample);
    if (health.length > MAX_POINTS) health.splice(0, health.length - MAX_POINTS);
    body.dataset.healthSamples = String(health.length);
    renderHealth(sample);
    dirty = true;
  }
  function renderHealth(h) {
    const set = (id, text) => { document.getElementById(id).textContent = text; };
    set("h-in", fmt(h.records_in_per_second));
    set("h-out", fmt(h.records_out_per_second));
    const delays = h.watermark_delay_seconds || [];
    const worst = delays.reduce((m, d) => Math.max(m, d.seconds), 0);
    set("h-wm", delays.length ? seconds(worst) : "–");
    document.getElementById("h-wm-tile").className = "tile" + (worst > 60 ? " warn" : "");
    set("h-late", fmt(h.late_records_total));
    document.getElementById("h-late-tile").className = "tile" + (h.late_records_total > 0 ? " warn" : "");
    set("h-err", fmt(h.errors_total));
    document.getElementById("h-err-tile").className = "tile" + (h.errors_total > 0 ? " bad" : "");
    set("h-alerts", fmt(h.alerts_total));
    set("h-commit", ago(h.last_commit));
    set("h-checkpoint", h.last_checkpoint ? ago(h.last_checkpoint) : "no checkpoint yet");
    set("h-totals", fmt(h.records_in_total) + " in · " + fmt(h.records_out_total) + " out");
    const lag = document.getElementById("lag");
    lag.textContent = "";
    const lags = h.consumer_lag || [];
    if (lags.length) lag.appendChild(el("div", "", "Consumer lag per partition")).style.color = "var(--muted)";
    const maxLag = lags.reduce((m, l) => Math.max(m, l.lag), 1);
    for (const l of lags.slice(0, 16)) {
      const row = el("div", "row");
      row.appendChild(el("span", "name", l.stream + " p" + l.partition));
      const bar = el("span", "bar"); const fill = el("i"); fill.style.width = (100 * l.lag / maxLag).toFixed(1) + "%";
      if (l.lag > 1000) fill.style.background = "var(--warn)";
      bar.appendChild(fill); row.appendChild(bar);
      row.appendChild(el("span", "n", fmt(l.lag)));
      lag.appendChild(row);
    }
    if (lags.length > 16) lag.appendChild(el("div", "", "+" + (lags.length - 16) + " more partitions")).style.color = "var(--muted)";
    document.getElementById("meta").textContent = "up " + seconds(h.uptime_seconds) + " · " + clock(h.t);
  }

  // ---- drawing -----------------------------------------------------------------------------
  function drawAll() {
    let totalPoints = 0;
    const rate = panel("pipeline/rate", "Message rate", "records per second", false, 2);  // created first by applySnapshot
    const inLine = { label: "in / s", color: PALETTE[0], points: health.filter(h => h.records_in_per_second !== null).map(h => [h.t, h.records_in_per_second]) };
    const outLine = { label: "out / s", color: PALETTE[3], points: health.filter(h => h.records_out_per_second !== null).map(h => [h.t, h.records_out_per_second]) };
    rate.draw([inLine, outLine], [], { zeroBased: true });
    setCount(rate, inLine.points.length, 2);
    totalPoints += inLine.points.length;
    for (const [name, s] of streams) {
      const keyColor = key => colorFor(s.keys.indexOf(key));
      if (s.scoreIdx >= 0) {
        const chart = charts.get(name + "/" + s.decl.columns[s.scoreIdx].name);
        const lines = [];
        let n = 0;
        for (const [key, points] of s.series.get(s.scoreIdx) || []) {
          lines.push({ label: key, color: keyColor(key), points: points }); n += points.length;
          const th = s.thresholdIdx >= 0 && s.series.get(s.thresholdIdx) ? s.series.get(s.thresholdIdx).get(key) : null;
          if (th && th.some(p => p[1] !== null)) lines.push({ label: key + " threshold", color: keyColor(key), points: th, dashed: true, hideInLegend: true });
        }
        const markers = alertMarkers(name, s.decl.columns[s.scoreIdx].name, s, keyColor);
        chart.draw(lines, markers, { zeroBased: true });
        chart.section.dataset.markers = String(markers.length);
        setCount(chart, n, lines.length); totalPoints += n;
      }
      if (s.keyIdx >= 0) {
        for (const c of s.cols) {
          const chart = charts.get(name + "/" + c.name);
          const lines = [];
          let n = 0;
          for (const [key, points] of s.series.get(c.idx) || []) { lines.push({ label: key, color: keyColor(key), points: points }); n += points.length; }
          const markers = alertMarkers(name, c.name, s, keyColor);
          chart.draw(lines, markers, {});
          chart.section.dataset.markers = String(markers.length);
          setCount(chart, n, lines.length); totalPoints += n;
        }
      } else if (s.cols.length) {
        const chart = charts.get(name + "/*");
        let n = 0;
        const lines = s.cols.map((c, i) => {
          const points = (s.series.get(c.idx) || new Map()).get("all") || [];
          n += points.length;
          return { label: c.name.toLowerCase(), color: colorFor(i), points: points };
        });
        chart.draw(lines, [], {});
        setCount(chart, n, lines.length); totalPoints += n;
      }
    }
    body.dataset.charts = String(charts.size);
    body.dataset.points = String(totalPoints);
  }
  // An alert marks a chart when it names the chart's stream, or when its kind shares a word with
  // the column (kind "rcf_anomaly" marks ANOMALY_SCORE, "sentiment_drop" marks AVG_SENTIMENT).
  function alertMarkers(streamName, column, s, keyColor) {
    const words = new Set(column.toLowerCase().split(/[^a-z0-9]+/).filter(w => w.length > 3));
    const result = [];
    for (const entry of alerts) {
      const a = entry.alert;
      const kindWords = String(a.kind || "").toLowerCase().split(/[^a-z0-9]+/);
      const named = a.stream === streamName || a.STREAM === streamName;
      if (!named && !kindWords.some(w => words.has(w))) continue;
      const values = Object.values(a.record && typeof a.record === "object" ? a.record : a).map(String);
      const key = s.keys.find(k => values.includes(k));
      result.push({ t: alertTime(entry), v: typeof a.score === "number" ? a.score : null, color: key ? keyColor(key) : "#f85149" });
    }
    return result;
  }
  function setCount(chart, points, series) { chart.section.dataset.points = String(points); chart.section.dataset.series = String(series); }
  function schedule() { if (dirty) { dirty = false; try { drawAll(); } catch (e) { body.dataset.error = String(e); } } }
  setInterval(schedule, 250);
  window.addEventListener("resize", () => { dirty = true; });

  // ---- data flow: snapshot + live events ----------------------------------------------------
  function handle(type, msg) {
    if (snapshotSeq === null) { pending.push([type, msg]); return; }
    if (msg.seq <= lastSeq) return;
    // A gap means events were missed (a stalled tab overflowed its server-side queue, or the
    // stream connected after the snapshot): reload the snapshot instead of showing holes.
    if (msg.seq > lastSeq + 1) { pending.push([type, msg]); resync(); return; }
    lastSeq = msg.seq;
    if (type === "row") addRow(msg.stream, msg.row);
    else if (type === "alert") addAlert(msg.entry);
    else if (type === "health") addHealth(msg.health);
    liveEvents++;
    body.dataset.liveEvents = String(liveEvents);
    if (maxLiveEvents && liveEvents >= maxLiveEvents) { events.close(); body.dataset.livePaused = "true"; }
  }
  function applySnapshot(snap) {
    streams = new Map(); alerts = []; health = [];
    for (const c of charts.values()) c.section.remove();
    charts = new Map();
    document.getElementById("alert-list").textContent = "";
    panel("pipeline/rate", "Message rate", "records per second", false, 2);
    for (const s of snap.streams) { declare(s); for (const row of s.rows) addRow(s.name, row); }
    for (const a of snap.alerts) addAlert(a);
    for (const h of snap.health) addHealth(h);
    if (!snap.alerts.length) document.getElementById("alert-list").appendChild(el("li", "empty", "No alerts yet.")).style.cssText = "border:0;background:none";
    snapshotSeq = snap.seq;
    lastSeq = snap.seq;
    const queued = pending; pending = [];
    for (const [type, msg] of queued) handle(type, msg);
    dirty = true; schedule();
  }
  function resync() {
    if (snapshotSeq === null && resyncing) return;
    resyncing = true;
    snapshotSeq = null;
    fetch("/api/streams" + query, { cache: "no-store" })
      .then(r => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(snap => { resyncing = false; applySnapshot(snap); })
      .catch(e => { resyncing = false; setStatus("down", "snapshot failed: " + e.message); setTimeout(resync, 3000); });
  }
  function setStatus(cls, text) {
    const s = document.getElementById("status");
    s.className = cls; s.lastChild.textContent = text;
    body.dataset.connected = String(cls === "live");
  }
  const events = new EventSource("/events" + query);
  let wasDown = false;
  events.onopen = () => { setStatus("live", "live"); if (wasDown) { wasDown = false; resync(); } };
  events.onerror = () => { if (events.readyState !== EventSource.CLOSED || !body.dataset.livePaused) { setStatus("down", "reconnecting…"); wasDown = true; } };
  events.addEventListener("stream", e => { declare(JSON.parse(e.data)); dirty = true; });
  for (const type of ["row", "alert", "health"]) events.addEventListener(type, e => handle(type, JSON.parse(e.data)));
  resync();
})();
</script>
</body>
</html>
"""#
}
