/* Plan comparison: change per area on the map, winners and losers in a table. */
"use strict";

(async () => {
  const A = Analyst;
  const $ = (id) => document.getElementById(id);
  const map = A.makeMap($("an-map"));
  const site = await A.getJSON("/api/analyst/meta");
  if (!site.scenarios.length) { A.setStatus(A.t("web_analyst.no_scenario", { name: "-", names: "-" })); return; }
  A.fillSelect($("an-scenario"), site.scenarios.map((s) => [s, s]), site.scenarios[0]);
  let shapes = null;
  let first = true;
  let features = null;
  let winnerRows = [];
  /* "school_nearest_1_min_child" → "Skola · Minuter till närmaste · barn" */
  function indicatorLabel(indicator) {
    const m = indicator.match(/^(.*)_(nearest_1_min|count_(\d+)min)_([a-z]+)$/);
    if (!m) return indicator;
    const measure = m[2].startsWith("nearest") ? A.t("web_analyst.measure_min") : A.t("web_analyst.measure_n", { minutes: m[3] });
    return `${A.label("category", m[1])} · ${measure} · ${A.label("profile", m[4])}`;
  }
  function fillWinners() {
    const indicator = $("an-indicator").value;
    const body = $("an-winners").querySelector("tbody");
    body.replaceChildren(...winnerRows.filter((r) => r.indicator === indicator).map((r) => {
      const tr = document.createElement("tr");
      const cells = [indicatorLabel(r.indicator), A.label("group", r.group), A.fmt(r.gain, 0), A.fmt(r.loss, 0), A.fmt(r.same, 0),
        A.fmt(r.gained_access, 0), A.fmt(r.lost_access, 0), A.fmt(r.people, 0)];
      cells.forEach((c, i) => { const td = document.createElement(i < 2 ? "th" : "td"); if (i < 2) td.scope = "row"; td.textContent = c; tr.append(td); });
      return tr;
    }));
  }

  async function load() {
    const name = encodeURIComponent($("an-scenario").value);
    const meta = await A.getJSON(`/api/analyst/compare/${name}/meta`);
    const chosen = $("an-indicator").value || "grocery_nearest_1_min_adult";
    const timed = meta.indicators.filter((i) => i.includes("_nearest_1_min_") || i.includes("_count_"));
    A.fillSelect($("an-indicator"), timed.map((i) => [i, indicatorLabel(i)]), timed.includes(chosen) ? chosen : timed[0]);
    const group = $("an-group").value || "pop_total";
    A.fillSelect($("an-group"), meta.groups.map((g) => [g, A.label("group", g)]), meta.groups.includes(group) ? group : "pop_total");
    A.notes($("an-notes"), meta.notes);
    winnerRows = (await A.getJSON(`/api/analyst/compare/${name}/winners`)).rows;
    await drawDeltas();
  }

  async function drawDeltas() {
    const name = encodeURIComponent($("an-scenario").value);
    const indicator = $("an-indicator").value;
    const query = new URLSearchParams({ indicator, group: $("an-group").value }).toString();
    if (!features) features = await A.getJSON("/api/analyst/access/geometry/areas");
    const data = await A.getJSON(`/api/analyst/compare/${name}/deltas?` + query);
    const byId = new Map(data.ids.map((id, i) => [id, i]));
    const lowIsGood = indicator.includes("_nearest_");
    const finite = data.delta.filter((v) => v !== null && Number.isFinite(v));
    const top = Math.max(1e-9, ...finite.map(Math.abs));
    const colour = (v) => {
      if (v === null || !Number.isFinite(v)) return "#bdbdbd";
      const good = lowIsGood ? -v : v;
      const s = Math.min(1, Math.abs(good) / top);
      if (Math.abs(v) < 1e-9) return "#f7f7f7";
      return good > 0 ? `rgba(26,152,80,${0.25 + 0.75 * s})` : `rgba(215,48,39,${0.25 + 0.75 * s})`;
    };
    if (shapes) map.removeLayer(shapes);
    shapes = L.geoJSON(features, {
      style: (f) => { const i = byId.get(f.properties.id); return { color: "#555", weight: 1, fillOpacity: 0.75, fillColor: colour(i === undefined ? null : data.delta[i]) }; },
      onEachFeature: (f, layer) => {
        const i = byId.get(f.properties.id);
        if (i === undefined) return;
        layer.bindTooltip(`${f.properties.name || f.properties.id}: ${A.fmt(data.before[i], 1)} → ${A.fmt(data.after[i], 1)} (${data.delta[i] > 0 ? "+" : ""}${A.fmt(data.delta[i], 2)})`, { sticky: true });
      },
    }).addTo(map);
    if (first) { map.fitBounds(shapes.getBounds()); first = false; }
    const legend = $("an-legend-body");
    legend.replaceChildren();
    for (const [c, key] of [["rgba(26,152,80,1)", "web_analyst.delta_better"], ["#f7f7f7", "web_analyst.col_same"], ["rgba(215,48,39,1)", "web_analyst.delta_worse"], ["#bdbdbd", "web_analyst.legend_nodata"]]) {
      const row = document.createElement("div");
      const swatch = document.createElement("span");
      swatch.className = "an-swatch"; swatch.style.background = c;
      row.append(swatch, document.createTextNode(A.t(key)));
      legend.append(row);
    }
    const total = document.createElement("p");
    total.className = "an-small";
    total.textContent = `${A.t("web_analyst.whole_pack")}: ${data.pack_delta > 0 ? "+" : ""}${A.fmt(data.pack_delta, 2)}`;
    legend.append(total);
    fillWinners();
    $("an-map").dataset.ready = "1";
  }
  $("an-scenario").addEventListener("change", () => { load().catch(() => {}); });
  $("an-indicator").addEventListener("change", () => { drawDeltas().catch(() => {}); });
  $("an-group").addEventListener("change", () => { drawDeltas().catch(() => {}); });
  await load();
})();
