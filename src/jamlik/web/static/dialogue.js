// The resident dialogue page: draw a point, line or area, send it, see published places,
// find or delete one's own contribution. Texts come from the page (translated on the server);
// everything residents wrote is put on the page with textContent, never as HTML.
(function () {
  "use strict";
  const root = document.getElementById("dialogue-app");
  const id = root.dataset.dialogue;
  const lang = root.dataset.lang;
  const T = JSON.parse(document.getElementById("dialogue-texts").textContent);
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (_, k) => (k in v ? v[k] : ""));
  const $ = (sel) => document.querySelector(sel);
  const participantKey = "jamlik-participant";
  let participant = localStorage.getItem(participantKey);
  if (!participant) {
    participant = randomKey();
    localStorage.setItem(participantKey, participant);
  }

  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function status(el, text, ok) {
    el.textContent = text;
    el.className = ok ? "status-ok" : "status-error";
  }

  const map = L.map("map", { keyboard: true });
  const drawn = L.layerGroup().addTo(map);
  const published = L.geoJSON(null, {
    onEachFeature: (feature, layer) => {
      const box = document.createElement("div");
      const head = document.createElement("strong");
      head.textContent = categoryName(feature.properties.category);
      const text = document.createElement("p");
      text.className = "comment-text";
      text.textContent = feature.properties.comment;
      box.append(head, text);
      layer.bindPopup(box);
    },
  }).addTo(map);
  let categories = [];
  let vertices = [];

  function categoryName(key) {
    const c = categories.find((x) => x.key === key);
    return c ? c[lang] || c.sv : key;
  }

  function kind() {
    return document.querySelector('input[name="kind"]:checked').value;
  }

  function redraw() {
    drawn.clearLayers();
    const k = kind();
    if (!vertices.length) {
      $("#drawing-state").textContent = "";
      return;
    }
    if (k === "point") {
      L.marker(vertices[0], { keyboard: false }).addTo(drawn);
      $("#drawing-state").textContent = T.point_added;
      return;
    }
    vertices.forEach((v) => L.circleMarker(v, { radius: 5 }).addTo(drawn));
    if (k === "line" && vertices.length > 1) L.polyline(vertices).addTo(drawn);
    if (k === "area" && vertices.length > 2) L.polygon(vertices).addTo(drawn);
    $("#drawing-state").textContent = fmt(T.vertex_added, { n: vertices.length });
  }

  function addVertex(latlng) {
    if (kind() === "point") vertices = [latlng];
    else vertices.push(latlng);
    redraw();
  }

  function geometry() {
    const k = kind();
    const pos = vertices.map((v) => [Number(v.lng.toFixed(7)), Number(v.lat.toFixed(7))]);
    if (k === "point" && pos.length === 1) return { type: "Point", coordinates: pos[0] };
    if (k === "line" && pos.length >= 2) return { type: "LineString", coordinates: pos };
    if (k === "area" && pos.length >= 3) return { type: "Polygon", coordinates: [[...pos, pos[0]]] };
    return null;
  }

  map.on("click", (e) => addVertex(e.latlng));
  $("#add-at-centre").addEventListener("click", () => addVertex(map.getCenter()));
  $("#undo-vertex").addEventListener("click", () => { vertices.pop(); redraw(); });
  $("#clear-drawing").addEventListener("click", () => { vertices = []; redraw(); });
  document.querySelectorAll('input[name="kind"]').forEach((r) =>
    r.addEventListener("change", () => { vertices = []; redraw(); })
  );

  function option(select, value, label) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.append(o);
  }

  async function loadPublished() {
    const r = await fetch(`/api/dialogues/${id}/contributions.geojson`);
    if (!r.ok) return;
    published.clearLayers();
    published.addData(await r.json());
  }

  async function load() {
    const r = await fetch(`/api/dialogues/${id}`);
    const d = await r.json();
    categories = d.categories;
    categories.forEach((c) => option($("#category"), c.key, c[lang] || c.sv));
    d.age_bands.forEach((a) => option($("#age-band"), a.key, a.label));
    d.home_areas.forEach((a) => option($("#home-area"), a.key, a.label));
    const box = $("#questions");
    d.questions.forEach((q) => {
      const label = document.createElement("label");
      label.htmlFor = `q-${q.key}`;
      label.textContent = q[lang] || q.sv;
      const area = document.createElement("textarea");
      area.id = `q-${q.key}`;
      area.dataset.question = q.key;
      area.maxLength = 1000;
      area.rows = 2;
      box.append(label, area);
    });
    // The pack's statistical areas as a light background (not clickable: a click is a pin).
    fetch("/api/areas.geojson")
      .then((a) => (a.ok ? a.json() : null))
      .then((areas) => {
        if (!areas) return;
        L.geoJSON(areas, {
          interactive: false,
          style: { color: "#777", weight: 1, fillColor: "#e8eef3", fillOpacity: 0.35 },
        }).addTo(map).bringToBack();
      });
    const outline = L.geoJSON(d.area, {
      interactive: false,
      style: { fill: false, weight: 2, color: "#12355b" },
    });
    outline.addTo(map);
    map.fitBounds(outline.getBounds());
    const tiles = root.dataset.tiles;
    if (tiles) L.tileLayer(tiles, { attribution: "© OpenStreetMap" }).addTo(map);
    await loadPublished();
  }

  function rejectedAs(body, code) {
    return Array.isArray(body && body.detail) && body.detail.some((e) => e.type === code);
  }

  function detail(body) {
    if (!body || !body.detail) return "";
    if (typeof body.detail === "string") return body.detail;
    return body.detail.map((e) => e.msg).join("; ");
  }

  $("#contribution-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("#form-status");
    const geom = geometry();
    if (!geom) {
      status(out, T.need_geometry, false);
      return;
    }
    const answers = {};
    document.querySelectorAll("[data-question]").forEach((a) => {
      if (a.value.trim()) answers[a.dataset.question] = a.value;
    });
    const consent = $("#consent").checked;
    const body = {
      geometry: geom,
      category: $("#category").value,
      comment: $("#comment").value,
      answers,
      consent,
      age_band: consent && $("#age-band").value ? $("#age-band").value : null,
      home_area: consent && $("#home-area").value ? $("#home-area").value : null,
      submission_key: randomKey(),
      participant,
      website: $("#website").value,
    };
    $("#submit-contribution").disabled = true;
    try {
      let r;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          r = await fetch(`/api/dialogues/${id}/contributions`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(body),
          });
          break;
        } catch (e) {
          // The same submission_key: a retry never stores the contribution twice.
          if (attempt === 2) throw e;
        }
      }
      const answer = await r.json().catch(() => ({}));
      if (r.ok) {
        status(out, fmt(T.thanks, answer), true);
        $("#own-id").value = answer.id;
        $("#own-code").value = answer.code;
        vertices = [];
        redraw();
        $("#comment").value = "";
      } else if (r.status === 429) status(out, T.too_many, false);
      else if (rejectedAs(answer, "outside")) status(out, T.outside, false);
      else status(out, fmt(T.error, { detail: detail(answer) || r.status }), false);
    } catch (e) {
      status(out, fmt(T.error, { detail: String(e) }), false);
    } finally {
      $("#submit-contribution").disabled = false;
    }
  });

  async function own(method) {
    const out = $("#own-status");
    const cid = encodeURIComponent($("#own-id").value.trim());
    if (!cid) return status(out, T.not_found, false);
    const r = await fetch(`/api/contributions/${cid}`, {
      method,
      headers: { "X-Contribution-Code": $("#own-code").value.trim() || "-" },
    });
    if (!r.ok) return status(out, T.not_found, false);
    if (method === "DELETE") {
      await loadPublished();
      return status(out, T.deleted, true);
    }
    const f = await r.json();
    const p = f.properties;
    status(out, `${categoryName(p.category)}: ${p.comment} — ${T.status}: ${T["status_" + p.status]}`, true);
  }
  $("#own-show").addEventListener("click", () => own("GET"));
  $("#own-delete").addEventListener("click", () => own("DELETE"));

  load();
})();
