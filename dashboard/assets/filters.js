// Filters <-> the link's fragment (#cert=RNCP34179,RNCP35809&year=2017&wave=24), in the browser.
// Read from window.location when a page is drawn, so the link applies whatever the order in which Dash
// mounts its components; written back at each change, keeping the keys of the other pages, so that the
// menu (dashboard/app.py) carries every filter from page to page. components.sync_filters wires it.
window.insertionFilters = (function () {
  function parse(fragment) {
    const out = {};
    (fragment || "").replace(/^#/, "").split("&").forEach(function (pair) {
      if (!pair) return;
      const at = pair.indexOf("=");
      const key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      const value = at < 0 ? "" : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, " "));
      out[key] = value.split(",").filter(function (v) { return v !== ""; });
    });
    return out;
  }

  function build(parsed) {
    return Object.keys(parsed)
      .filter(function (key) { return parsed[key].length > 0; })
      .map(function (key) {
        return encodeURIComponent(key) + "=" + parsed[key].map(encodeURIComponent).join(",");
      })
      .join("&");
  }

  function typed(name, wanted, single) {
    if (name === "year") {
      wanted = wanted.filter(function (v) { return /^\d+$/.test(v); }).map(Number);
    }
    if (name === "wave") {
      return wanted.length && /^\d+$/.test(wanted[0]) ? Number(wanted[0]) : null;
    }
    if (single) return wanted.length ? wanted[0] : null;
    return wanted;
  }

  function empty(value) {
    return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  }

  // spec: {names: [...], keys: {name: key}, single: [...]}; args: the filters' values, then « synced ».
  function sync(spec, args) {
    const n = spec.names.length;
    const values = Array.prototype.slice.call(args, 0, n);
    const synced = args[n];
    const parsed = parse(window.location.hash);
    if (!synced) {
      const restored = spec.names.map(function (name, i) {
        const wanted = typed(name, parsed[spec.keys[name]] || [], spec.single.indexOf(name) >= 0);
        return empty(wanted) ? values[i] : wanted;
      });
      return restored.concat([window.dash_clientside.no_update, true]);
    }
    spec.names.forEach(function (name, i) {
      const value = values[i];
      parsed[spec.keys[name]] = Array.isArray(value)
        ? value.map(String)
        : empty(value) ? [] : [String(value)];
    });
    const fragment = build(parsed);
    return values.concat([fragment ? "#" + fragment : "", true]);
  }

  return { sync: sync, parse: parse };
})();
