#!/usr/bin/env python3
"""Issue 13, acceptance 2: the Grafana dashboard (contrib/grafana/kizuna-dashboard.json)
loads and is well formed, and it and the alerting rules (contrib/prometheus/
kizuna-alerts.yml) name only metrics and labels that Kizuna exposes.

What Kizuna exposes is read from metrics_tool's scrape of the whole catalogue
(relay/metrics/catalogue.cpp): every family with every label, zeros included.
Checks:
- dashboard shape: uid, title, integer schemaVersion, a `datasource` variable of
  type datasource (Prometheus) that every panel and target uses by uid, an
  `instance` variable, unique panel ids, grid positions inside 24 columns, each
  non-row panel with at least one target, unique refIds, a PromQL expr each;
- every kizuna_* name in a dashboard or alert expression is a series of the
  catalogue, and every label in its {...} selector is one of that series' labels
  (or instance/job, which Prometheus adds);
- every family of the catalogue appears on the dashboard (a new family needs a panel);
- the checker itself: a misspelled metric, an unknown label and a panel without
  the datasource variable are each reported.
Usage: check_contrib.py METRICS_TOOL DASHBOARD_JSON ALERTS_YML
"""
import copy
import json
import re
import subprocess
import sys

import yaml

NAME = re.compile(r"\bkizuna_[a-zA-Z0-9_:]*")
SELECTOR = re.compile(r"\b(kizuna_[a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="')
TARGET_LABELS = {"instance", "job"}


def catalogue(tool):
    """({family: type}, {series name: set of label names}) from the tool's scrape."""
    text = subprocess.run([tool], check=True, capture_output=True, text=True).stdout
    families, series = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            families[name] = kind
            names = [name + s for s in ("_bucket", "_sum", "_count")] if kind == "histogram" else [name]
            for n in names:
                series.setdefault(n, set())
        elif line and not line.startswith("#"):
            name, _, rest = line.partition("{")
            name = name.split()[0]
            series.setdefault(name, set()).update(LABEL.findall(rest.rsplit("}", 1)[0]) if rest else [])
    return families, series


def check_expr(where, expr, series, problems):
    """Problems with the kizuna_* names and selector labels of one PromQL expression."""
    for name in NAME.findall(expr):
        if name not in series:
            problems.append(f"{where}: {name} is not a Kizuna metric")
    for name, body in SELECTOR.findall(expr):
        for label in MATCHER.findall(body):
            if name in series and label not in series[name] | TARGET_LABELS:
                problems.append(f"{where}: {name} has no label {label}")


def check_dashboard(dash, series, families):
    problems = []

    def need(cond, what):
        if not cond:
            problems.append(what)
    need(isinstance(dash.get("uid"), str) and dash["uid"], "dashboard: no uid")
    need(isinstance(dash.get("title"), str) and dash["title"], "dashboard: no title")
    need(isinstance(dash.get("schemaVersion"), int), "dashboard: schemaVersion is not an integer")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    need(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
         "templating: no `datasource` variable of type datasource (prometheus)")
    need("instance" in variables, "templating: no `instance` variable")
    panels = dash.get("panels")
    need(isinstance(panels, list) and panels, "dashboard: no panels")
    ids = set()
    used = set()
    for p in panels or []:
        where = f"panel {p.get('id')} {p.get('title')!r}"
        need(isinstance(p.get("id"), int) and p["id"] not in ids, f"{where}: id missing or repeated")
        ids.add(p.get("id"))
        need(isinstance(p.get("type"), str) and p.get("title"), f"{where}: no type or title")
        g = p.get("gridPos", {})
        need(all(isinstance(g.get(k), int) for k in "xywh") and g.get("x", 0) + g.get("w", 99) <= 24 and
             g.get("w", 0) > 0 and g.get("h", 0) > 0, f"{where}: gridPos out of the 24-column grid")
        if p.get("type") == "row":
            continue
        need(p.get("datasource") == {"type": "prometheus", "uid": "${datasource}"},
             f"{where}: datasource is not the ${{datasource}} variable")
        targets = p.get("targets") or []
        need(targets, f"{where}: no targets")
        refs = [t.get("refId") for t in targets]
        need(len(set(refs)) == len(refs) and all(refs), f"{where}: refIds missing or repeated")
        for t in targets:
            expr = t.get("expr")
            need(isinstance(expr, str) and expr.strip(), f"{where}: target {t.get('refId')} has no expr")
            need(t.get("datasource", p.get("datasource")) == p.get("datasource"),
                 f"{where}: target {t.get('refId')} uses another datasource")
            if isinstance(expr, str):
                check_expr(where, expr, series, problems)
                used.update(NAME.findall(expr))
    for family, kind in families.items():
        names = {family} if kind != "histogram" else {family + s for s in ("_bucket", "_sum", "_count")}
        need(names & used, f"dashboard: no panel shows {family}")
    return problems


def check_alerts(rules, series):
    problems = []
    groups = rules.get("groups") or []
    if not groups:
        problems.append("alerts: no groups")
    for g in groups:
        for r in g.get("rules", []):
            check_expr(f"alert {r.get('alert') or r.get('record')}", r.get("expr", ""), series, problems)
    return problems


def main():
    tool, dashboard_path, alerts_path = sys.argv[1:4]
    families, series = catalogue(tool)
    assert "kizuna_recipients_total" in families and "kizuna_build_info" in families, families
    with open(dashboard_path, encoding="utf-8") as f:
        dash = json.load(f)
    with open(alerts_path, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    problems = check_dashboard(dash, series, families) + check_alerts(rules, series)

    # The checker can fail: each kind of mistake in a copy is reported.
    broken = copy.deepcopy(dash)
    first = next(p for p in broken["panels"] if p["type"] != "row")
    first["targets"][0]["expr"] = 'rate(kizuna_recipient_total{decision="relay"}[5m])'
    first["targets"].append({"refId": "Z", "expr": 'kizuna_connections_total{listner="x"}',
                             "datasource": first["datasource"]})
    broken["panels"][-1]["datasource"] = {"type": "prometheus", "uid": "abc123"}
    found = "\n".join(check_dashboard(broken, series, families))
    for expected in ("kizuna_recipient_total is not a Kizuna metric", "has no label listner",
                     "datasource is not the ${datasource} variable"):
        if expected not in found:
            problems.append(f"self-check: a broken dashboard was not reported: {expected}")

    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"dashboard: {len(dash['panels'])} panels; alerts: "
          f"{sum(len(g['rules']) for g in rules['groups'])} rules; {len(families)} families, all shown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
