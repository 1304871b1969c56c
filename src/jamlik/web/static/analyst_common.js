/* Shared helpers of the analyst pages: texts, polling JSON, base map, colours, legend, charts.
   No inline script anywhere: the pages read their data from data- attributes and JSON routes. */
"use strict";

const Analyst = (() => {
  const main = document.getElementById("an-main");
  const lang = main.dataset.lang;
  const messages = JSON.parse(main.dataset.messages);
  const tileUrl = main.dataset.tileUrl;
  const status = document.getElementById("an-status");

  function t(key, values) {
    let text = messages[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.replaceAll("{" + name + "}", String(value));
    }
    return text;
  }
  function label(kind, key) {
    const k = kind + "." + key;
    return k in messages ? messages[k] : key;
  }
  const numberFormat = new Intl.NumberFormat(lang === "sv" ? "sv-SE" : "en-GB", { maximumFractionDigits: 2 });
  function fmt(value, digits) {
    if (value === null || value === undefined || !Number.isFinite(value)) return "–";
    if (digits !== undefined) {
      return new Intl.NumberFormat(lang === "sv" ? "sv-SE" : "en-GB", { maximumFractionDigits: digits }).format(value);
    }
    return numberFormat.format(value);
  }
  function setStatus(text) { status.textContent = text || ""; }

  /* GET JSON; while the server answers 202 (computing in the background) show progress and poll. */
  async function getJSON(url) {
    for (;;) {
      const sep = url.includes("?") ? "&" : "?";
      const response = await fetch(url + sep + "lang=" + lang, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (response.status === 202) {
        const part = body.total ? " " + body.done + "/" + body.total : "";
        setStatus(body.message + part + (body.label ? " · " + body.label : ""));
        await new Promise((resolve) => setTimeout(resolve, 700));
        continue;
      }
      if (!response.ok) {
        const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
        setStatus(detail);
        throw new Error(detail);
      }
      setStatus("");
      return body;
    }
  }

  /* The background map: the pack's own OSM drawn on canvas tiles, or tile_url when set. */
  const STYLE = {
    water: { fill: "#b7d3ea", stroke: "#8fb8dc", width: 1 },
    buildings: { fill: "#d9d4cc", stroke: "#c4bdb2", width: 0.5 },
    paths: { stroke: "#c9c2b8", width: 0.8 },
    minor: { stroke: "#ffffff", width: 1.6, casing: "#d3cdc4" },
    major: { stroke: "#f6d98b", width: 2.6, casing: "#d6b45e" },
  };
  const ORDER = ["water", "buildings", "paths", "minor", "major"];

  function drawTile(canvas, data) {
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#f4f1ec";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const scale = canvas.width / 256;
    for (const name of ORDER) {
      const paths = data.layers[name];
      if (!paths) continue;
      const style = STYLE[name];
      ctx.beginPath();
      for (const flat of paths) {
        ctx.moveTo(flat[0] * scale, flat[1] * scale);
        for (let i = 2; i < flat.length; i += 2) ctx.lineTo(flat[i] * scale, flat[i + 1] * scale);
      }
      if (style.fill) { ctx.fillStyle = style.fill; ctx.fill("evenodd"); }
      if (style.casing) { ctx.strokeStyle = style.casing; ctx.lineWidth = (style.width + 1) * scale; ctx.stroke(); }
      ctx.strokeStyle = style.stroke; ctx.lineWidth = style.width * scale; ctx.stroke();
    }
  }

  const OsmTiles = L.GridLayer.extend({
    createTile(coords, done) {
      const canvas = document.createElement("canvas");
      const size = this.getTileSize();
      canvas.width = size.x; canvas.height = size.y;
      const load = (attempt) => {
        fetch("/api/analyst/basemap/" + coords.z + "/" + coords.x + "/" + coords.y + ".json")
          .then((r) => (r.status === 202 ? null : r.ok ? r.json() : { layers: {} }))
          .then((data) => {
            if (data === null) { setTimeout(() => load(attempt + 1), Math.min(4000, 500 * (attempt + 1))); return; }
            drawTile(canvas, data); done(null, canvas);
          })
          .catch((error) => done(error, canvas));
      };
      load(0);
      return canvas;
    },
  });

  function makeMap(element) {
    const map = L.map(element, { preferCanvas: true, zoomSnap: 0.5 });
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
    } else {
      new OsmTiles({ maxZoom: 19, attribution: t("web_analyst.basemap_attribution") }).addTo(map);
    }
    return map;
  }

  /* Classes: quantile breaks over the finite values (at most 5 classes). */
  const PALETTE = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"];
  function classes(values, lowIsGood) {
    const finite = values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    if (!finite.length) return { breaks: [], colours: [] };
    const breaks = [];
    for (let k = 1; k < 5; k++) breaks.push(finite[Math.min(finite.length - 1, Math.floor((k * finite.length) / 5))]);
    const unique = [...new Set(breaks)].filter((b) => b < finite[finite.length - 1]);
    const n = unique.length + 1;
    const step = (PALETTE.length - 1) / Math.max(1, n - 1);
    let colours = Array.from({ length: n }, (_, i) => PALETTE[Math.round(i * step)]);
    if (!lowIsGood) colours = colours.reverse();
    return { breaks: unique, colours, min: finite[0], max: finite[finite.length - 1] };
  }
  function classOf(value, scheme) {
    if (value === null || !Number.isFinite(value)) return -1;
    let i = 0;
    while (i < scheme.breaks.length && value > scheme.breaks[i]) i++;
    return i;
  }
  function colourOf(value, scheme) {
    const i = classOf(value, scheme);
    return i < 0 ? "#bdbdbd" : scheme.colours[i];
  }

  function legend(element, scheme, digits) {
    element.replaceChildren();
    const list = document.createElement("ul");
    list.className = "an-legend-list";
    const edges = [scheme.min, ...scheme.breaks, scheme.max];
    scheme.colours.forEach((colour, i) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "an-swatch"; swatch.style.background = colour;
      item.append(swatch, document.createTextNode(fmt(edges[i], digits) + " – " + fmt(edges[i + 1], digits)));
      list.append(item);
    });
    const none = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "an-swatch"; swatch.style.background = "#bdbdbd";
    none.append(swatch, document.createTextNode(t("web_analyst.legend_nodata")));
    list.append(none);
    element.append(list);
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svgEl(name, attrs) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    return el;
  }
  /* Bars: one per class, height = residents in the class (the population weights). */
  function histogram(element, values, weights, scheme, digits) {
    element.replaceChildren();
    const n = scheme.colours.length;
    const sums = new Array(n).fill(0);
    values.forEach((v, i) => { const k = classOf(v, scheme); if (k >= 0) sums[k] += weights[i] || 0; });
    const top = Math.max(1, ...sums);
    const w = 260, h = 120, bar = w / Math.max(1, n);
    const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h + 18}`, role: "img", "aria-label": t("web_analyst.chart_distribution") });
    const edges = [scheme.min, ...scheme.breaks, scheme.max];
    sums.forEach((s, k) => {
      const height = (s / top) * h;
      const rect = svgEl("rect", { x: k * bar + 2, y: h - height, width: bar - 4, height, fill: scheme.colours[k] });
      const title = svgEl("title", {});
      title.textContent = `${fmt(edges[k], digits)} – ${fmt(edges[k + 1], digits)}: ${fmt(s, 0)} ${t("web_analyst.residents")}`;
      rect.append(title);
      const text = svgEl("text", { x: k * bar + bar / 2, y: h + 13, "text-anchor": "middle", "font-size": 10 });
      text.textContent = fmt(edges[k + 1], digits);
      svg.append(rect, text);
    });
    element.append(svg);
  }
  /* A line over the hours of the day. */
  function hourLine(element, hours, values, digits, marked) {
    element.replaceChildren();
    const w = 260, h = 90, pad = 16;
    const finite = values.filter((v) => v !== null && Number.isFinite(v));
    const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h + 18}`, role: "img", "aria-label": t("web_analyst.chart_hours") });
    if (finite.length) {
      const lo = Math.min(0, ...finite), hi = Math.max(...finite, lo + 1e-9);
      const x = (i) => pad + (i * (w - 2 * pad)) / Math.max(1, hours.length - 1);
      const y = (v) => h - ((v - lo) / (hi - lo)) * (h - 10);
      const points = values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean).join(" ");
      svg.append(svgEl("polyline", { points, fill: "none", stroke: "#1f6f8b", "stroke-width": 2 }));
      hours.forEach((hour, i) => {
        if (i % 3) return;
        const text = svgEl("text", { x: x(i), y: h + 13, "text-anchor": "middle", "font-size": 10 });
        text.textContent = String(hour);
        svg.append(text);
      });
      if (marked !== undefined && marked >= 0 && values[marked] !== null) {
        svg.append(svgEl("circle", { cx: x(marked), cy: y(values[marked]), r: 4, fill: "#d73027" }));
      }
      const top = svgEl("text", { x: 2, y: 10, "font-size": 10 });
      top.textContent = fmt(hi, digits);
      svg.append(top);
    }
    element.append(svg);
  }
  function fillSelect(select, options, chosen) {
    select.replaceChildren();
    for (const [value, text] of options) {
      const option = document.createElement("option");
      option.value = value; option.textContent = text;
      if (value === chosen) option.selected = true;
      select.append(option);
    }
  }
  function notes(element, list) {
    element.replaceChildren(...(list || []).map((n) => { const li = document.createElement("li"); li.textContent = n; return li; }));
  }
  return { lang, t, label, fmt, setStatus, getJSON, makeMap, classes, colourOf, legend, histogram, hourLine, fillSelect, notes };
})();
