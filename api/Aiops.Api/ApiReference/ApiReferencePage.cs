using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api.ApiReference;

/// <summary>
/// A browsable API reference at <c>/api</c>: one self-contained page (inline CSS and script, no CDN) that fetches the
/// OpenAPI document at <see cref="OpenApiPath"/> and lists every path with its methods, parameters, request body,
/// responses and the component schemas. It works offline and needs no extra package.
/// </summary>
public static class ApiReferencePage
{
    /// <summary>Where the page is served.</summary>
    public const string PagePath = "/api";

    /// <summary>The OpenAPI document the page renders.</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>
    /// Maps the page. It shows no data, only the document that <see cref="OpenApiPath"/> serves, so it sits outside the
    /// <c>/api/v1</c> group and its read-scope filter.
    /// </summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapGet(PagePath, () => TypedResults.Content(Html, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    /// <summary>The page; the script renders with DOM calls and textContent, so nothing in the document is interpreted as HTML.</summary>
    public const string Html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Aiops API reference</title>
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }
        header { background: #24292f; color: #fff; padding: .8rem 1.5rem; }
        header a { color: #9cd1ff; }
        main { padding: 1rem 1.5rem; max-width: 72rem; }
        nav ul { columns: 3 18rem; padding-left: 1.2rem; font-size: .85rem; }
        section.op { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: .8rem 0; padding: .6rem .9rem; }
        .method { display: inline-block; min-width: 4.2rem; font-weight: 700; font-family: ui-monospace, monospace; }
        .get { color: #0969da; } .post { color: #1a7f37; } .put, .patch { color: #9a6700; } .delete { color: #cf222e; }
        code, pre { font-family: ui-monospace, SFMono-Regular, Consolas, monospace; font-size: .82rem; }
        pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; }
        table { border-collapse: collapse; font-size: .85rem; margin: .3rem 0; }
        th, td { border: 1px solid #d0d7de; padding: .2rem .45rem; text-align: left; vertical-align: top; }
        .tag { color: #57606a; font-size: .8rem; }
        .error { color: #cf222e; }
        @media print { header { background: none; color: #000; } section.op { break-inside: avoid; } }
        </style>
        </head>
        <body>
        <header><strong>Aiops API reference</strong> · document: <a id="doc-link" href="/openapi/v1.json">/openapi/v1.json</a></header>
        <main>
        <noscript><p>This page renders the OpenAPI document with a script; without one, read <a href="/openapi/v1.json">/openapi/v1.json</a> directly.</p></noscript>
        <p id="status">Loading /openapi/v1.json …</p>
        <nav><ul id="toc"></ul></nav>
        <div id="ops"></div>
        <h2 id="schemas-title" hidden>Schemas</h2>
        <div id="schemas"></div>
        </main>
        <script>
        "use strict";
        const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];
        function el(tag, attrs, ...children) {
          const e = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) { if (v !== undefined && v !== null) e.setAttribute(k, v); }
          for (const c of children) { if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c)); }
          return e;
        }
        function typeOf(s) {
          if (!s) return "";
          if (s.$ref) { const n = s.$ref.split("/").pop(); return el("a", { href: "#schema-" + n }, n); }
          if (s.type === "array" || (Array.isArray(s.type) && s.type.includes("array"))) { const w = el("span", {}, "array of "); w.append(typeOf(s.items)); return w; }
          if (s.oneOf || s.anyOf) { const w = el("span"); (s.oneOf || s.anyOf).forEach((x, i) => { if (i) w.append(" | "); w.append(typeOf(x)); }); return w; }
          let t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || "object");
          if (s.format) t += " (" + s.format + ")";
          if (s.enum) t += " one of " + s.enum.join(", ");
          return t;
        }
        function table(headers, rows) {
          const t = el("table", {}, el("thead", {}, el("tr", {}, ...headers.map(h => el("th", {}, h)))));
          const b = el("tbody"); rows.forEach(r => b.append(el("tr", {}, ...r.map(c => el("td", {}, c))))); t.append(b); return t;
        }
        function render(doc) {
          const toc = document.getElementById("toc"), ops = document.getElementById("ops");
          document.getElementById("status").textContent = (doc.info ? doc.info.title + " " + doc.info.version : "API") + " · OpenAPI " + (doc.openapi || "");
          let n = 0;
          for (const [path, item] of Object.entries(doc.paths || {})) {
            for (const m of METHODS) {
              const op = item[m]; if (!op) continue;
              const id = "op-" + (n++);
              toc.append(el("li", {}, el("a", { href: "#" + id }, m.toUpperCase() + " " + path)));
              const s = el("section", { class: "op", id: id }, el("span", { class: "method " + m }, m.toUpperCase()), " ", el("code", {}, path));
              if (op.tags) s.append(" ", el("span", { class: "tag" }, "[" + op.tags.join(", ") + "]"));
              if (op.summary) s.append(el("p", {}, op.summary));
              if (op.description) s.append(el("p", {}, op.description));
              const params = (item.parameters || []).concat(op.parameters || []);
              if (params.length) s.append(el("h4", {}, "Parameters"), table(["name", "in", "type", "required", "description"],
                params.map(p => [p.name, p.in, typeOf(p.schema), p.required ? "yes" : "no", p.description || ""])));
              if (op.requestBody && op.requestBody.content) s.append(el("h4", {}, "Request body"), table(["content type", "schema"],
                Object.entries(op.requestBody.content).map(([ct, c]) => [ct, typeOf(c.schema)])));
              if (op.responses) s.append(el("h4", {}, "Responses"), table(["status", "description", "content"],
                Object.entries(op.responses).map(([code, r]) => {
                  const c = el("span"); Object.entries(r.content || {}).forEach(([ct, v], i) => { if (i) c.append("; "); c.append(ct + " ", typeOf(v.schema)); });
                  return [code, r.description || "", c];
                })));
              ops.append(s);
            }
          }
          const schemas = (doc.components && doc.components.schemas) || {};
          const box = document.getElementById("schemas");
          if (Object.keys(schemas).length) document.getElementById("schemas-title").hidden = false;
          for (const [name, sc] of Object.entries(schemas)) {
            const s = el("section", { class: "op", id: "schema-" + name }, el("strong", {}, name));
            const req = new Set(sc.required || []);
            if (sc.properties) s.append(table(["property", "type", "required", "description"],
              Object.entries(sc.properties).map(([p, v]) => [p, typeOf(v), req.has(p) ? "yes" : "", v.description || ""])));
            else s.append(" ", typeOf(sc));
            box.append(s);
          }
        }
        fetch("/openapi/v1.json").then(r => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); }).then(render)
          .catch(e => { const s = document.getElementById("status"); s.className = "error"; s.textContent = "Could not load /openapi/v1.json: " + e.message; });
        </script>
        </body>
        </html>
        """;
}
