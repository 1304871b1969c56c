/* The indicator map explorer: areas or a 250 m grid coloured by one indicator, with a legend,
   tooltips, a distribution chart and the profile over the day. */
"use strict";

(async () => {
  const A = Analyst;
  const $ = (id) => document.getElementById(id);
  const map = A.makeMap($("an-map"));
  const geometry = {};
  let shapes = null;
  let meta;
  let site;
  let transit = null;
  try {
    site = await A.getJSON("/api/analyst/meta");
    meta = await A.getJSON("/api/analyst/access/meta");
  } catch (error) {
    return;
  }
  if (site.modes.includes("transit")) $("an-mode").querySelector("option[value=transit]").disabled = false;
  const threshold = A.fmt(meta.threshold_min);
  const measureLabel = (m) => {
    if (m === "min" || m === "noacc" || m === "dec") return A.t("web_analyst.measure_" + m);
    return A.t(m.startsWith("in") ? "web_analyst.measure_in" : "web_analyst.measure_n", { minutes: threshold });
  };
  const lowIsGood = (m) => m === "min" || m === "noacc";
  const digits = (m) => (m === "min" ? 1 : m === "noacc" || m.startsWith("in") ? 2 : 2);
  A.fillSelect($("an-category"), meta.categories.map((c) => [c, A.label("category", c)]), meta.categories.includes("grocery") ? "grocery" : meta.categories[0]);
  A.fillSelect($("an-measure"), meta.measures.map((m) => [m, measureLabel(m)]), "min");
  const walkProfiles = meta.profiles.filter((p) => p !== "bike");
  const groups = meta.groups;
  A.fillSelect($("an-hour"), Array.from({ length: 18 }, (_, i) => [String(i + 6), String(i + 6).padStart(2, "0") + ":00"]), "8");
  if (!meta.layers.includes("areas")) { $("an-layer").value = "grid"; $("an-layer").querySelector("option[value=areas]").disabled = true; }
  if (!meta.profiles.includes("bike")) $("an-mode").querySelector("option[value=bike]").disabled = true;
  A.notes($("an-notes"), meta.notes);

  const keep = (select, options, fallback) => (options.includes(select.value) ? select.value : fallback);
  function transitChoices() {
    const measures = ["min", "noacc", ...transit.cutoffs_min.map((c) => "n" + c)];
    const label = (m) => (m.startsWith("n") && m !== "noacc" ? A.t("web_analyst.measure_n", { minutes: m.slice(1) }) : measureLabel(m));
    A.fillSelect($("an-measure"), measures.map((m) => [m, label(m)]), keep($("an-measure"), measures, "min"));
    A.fillSelect($("an-category"), transit.categories.map((c) => [c, A.label("category", c)]), keep($("an-category"), transit.categories, transit.categories[0]));
    A.fillSelect($("an-group"), transit.groups.map((g) => [g, A.label("group", g)]), keep($("an-group"), transit.groups, "pop_total"));
    A.fillSelect($("an-profile"), [["transit", A.t("web_analyst.mode_transit")]], "transit");
    $("an-layer").value = "areas";
  }
  let lastMode = "walk";
  function syncChoices() {
    const mode = $("an-mode").value;
    const isTransit = mode === "transit";
    $("an-hour").disabled = !isTransit;
    $("an-hours-note").hidden = isTransit;
    $("an-profile").disabled = isTransit;
    $("an-layer").querySelector("option[value=grid]").disabled = isTransit;
    const wasTransit = lastMode === "transit";
    lastMode = mode;
    if (isTransit) { transitChoices(); return; }
    if (wasTransit) {
      A.fillSelect($("an-measure"), meta.measures.map((m) => [m, measureLabel(m)]), keep($("an-measure"), meta.measures, "min"));
      A.fillSelect($("an-category"), meta.categories.map((c) => [c, A.label("category", c)]), keep($("an-category"), meta.categories, meta.categories[0]));
    }
    const profiles = mode === "bike" ? ["bike"] : walkProfiles;
    A.fillSelect($("an-profile"), profiles.map((p) => [p, A.label("profile", p)]), profiles.includes($("an-profile").value) ? $("an-profile").value : profiles[0]);
    const layerGroups = $("an-layer").value === "grid" ? ["pop_total"] : groups;
    A.fillSelect($("an-group"), layerGroups.map((g) => [g, A.label("group", g)]), layerGroups.includes($("an-group").value) ? $("an-group").value : "pop_total");
    $("an-group").title = $("an-layer").value === "grid" ? A.t("web_analyst.grid_everyone") : "";
  }

  async function layerShapes(layer) {
    if (!geometry[layer]) geometry[layer] = await A.getJSON("/api/analyst/access/geometry/" + layer);
    return geometry[layer];
  }

  let first = true;
  async function draw() {
    if ($("an-mode").value === "transit" && !transit) transit = await A.getJSON("/api/analyst/transit/meta");
    syncChoices();
    const choice = {
      layer: $("an-layer").value, profile: $("an-profile").value, group: $("an-group").value,
      category: $("an-category").value, measure: $("an-measure").value,
    };
    const isTransit = $("an-mode").value === "transit";
    if (isTransit) Object.assign(choice, { hour: $("an-hour").value, date: transit.date });
    const query = new URLSearchParams(choice).toString();
    const route = isTransit ? "/api/analyst/transit/values?" : "/api/analyst/access/values?";
    const wantShapes = meta.layers.includes(choice.layer) ? layerShapes(choice.layer) : Promise.resolve({ type: "FeatureCollection", features: [] });
    const [features, data] = await Promise.all([wantShapes, A.getJSON(route + query)]);
    const byId = new Map(data.ids.map((id, i) => [id, i]));
    const scheme = A.classes(data.values, lowIsGood(choice.measure));
    const d = digits(choice.measure);
    if (shapes) map.removeLayer(shapes);
    shapes = L.geoJSON(features, {
      style: (feature) => {
        const i = byId.get(feature.properties.id);
        const value = i === undefined ? null : data.values[i];
        return { color: "#555", weight: choice.layer === "grid" ? 0.3 : 1, fillOpacity: 0.72, fillColor: A.colourOf(value, scheme) };
      },
      onEachFeature: (feature, layer) => {
        const i = byId.get(feature.properties.id);
        const value = i === undefined ? null : data.values[i];
        const people = i === undefined ? 0 : data.population[i];
        const name = feature.properties.name || feature.properties.id;
        layer.bindTooltip(`${name}: ${A.fmt(value, d)} · ${A.fmt(people, 0)} ${A.t("web_analyst.residents")}`, { sticky: true });
      },
    }).addTo(map);
    if (first && shapes.getBounds().isValid()) { map.fitBounds(shapes.getBounds()); first = false; }
    A.legend($("an-legend-body"), scheme, d);
    const caption = document.createElement("p");
    caption.className = "an-small";
    caption.textContent = `${A.label("category", choice.category)} · ${measureLabel(choice.measure)} · ${A.t("web_analyst.whole_pack")}: ${A.fmt(data.pack_value, d)}`;
    if (isTransit) caption.textContent += ` · ${transit.date} ${String(choice.hour).padStart(2, "0")}:00 · ${A.t("web_analyst.transit_areas_only")}`;
    $("an-legend-body").prepend(caption);
    A.histogram($("an-histogram"), data.values, data.population, scheme, d);
    if (isTransit) {
      A.hourLine($("an-hours"), data.hours, data.hour_values, d, data.hours.indexOf(data.hour));
    } else {
      // Walking and cycling do not depend on the hour: the whole pack's value at every hour.
      const hours = Array.from({ length: 18 }, (_, i) => i + 6);
      A.hourLine($("an-hours"), hours, hours.map(() => data.pack_value), d);
    }
    $("an-map").dataset.ready = "1";
  }
  $("an-controls").addEventListener("change", () => { draw().catch(() => {}); });
  await draw();
})();
