"""docs/rulegraph.svg (the README's DAG picture) is the rule graph of the demo configuration as
the Snakefile defines it now: the same rules and the same edges (regenerate with `make rulegraph`)."""

from __future__ import annotations

import html
import re
import subprocess

from tests.conftest import ROOT, link_card_files, snakemake_exe

SVG = ROOT / "docs" / "rulegraph.svg"


def dot_graph(dot: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Rules and (upstream, downstream) edges of `snakemake --rulegraph dot` output."""
    labels = dict(re.findall(r'^\s*(\d+)\[label = "([^"]+)"', dot, flags=re.M))
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, flags=re.M)}
    return set(labels.values()), edges


def svg_graph(svg: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The same from graphviz's SVG: node groups (<title>id</title> ... <text>rule</text>) and edge
    groups (<title>a-&gt;b</title>)."""
    nodes = dict(re.findall(r'class="node">\s*<title>(\d+)</title>.*?<text[^>]*>([^<]+)</text>', svg, flags=re.S))
    edges = set()
    for title in re.findall(r'class="edge">\s*<title>([^<]+)</title>', svg):
        a, b = html.unescape(title).split("->")
        edges.add((nodes[a], nodes[b]))
    return set(nodes.values()), edges


def test_svg_parser_reads_nodes_and_edges():
    svg = ('<g id="node1" class="node">\n<title>0</title>\n<text x="1">all</text>\n</g>'
           '<g id="node2" class="node">\n<title>1</title>\n<polygon/>\n<text x="1">acc_train</text>\n</g>'
           '<g id="edge1" class="edge">\n<title>1&#45;&gt;0</title>\n</g>')
    assert svg_graph(svg) == ({"all", "acc_train"}, {("acc_train", "all")})
    dot = '\t0[label = "all", color = "x"];\n\t1[label = "acc_train"];\n\t1 -> 0\n'
    assert dot_graph(dot) == ({"all", "acc_train"}, {("acc_train", "all")})


def test_rulegraph_svg_matches_the_workflow(tmp_path):
    link_card_files(tmp_path)
    dot = subprocess.run([snakemake_exe(), "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), "all",
                          "--rulegraph", "dot", "--workflow-profile", "none", "--configfile", str(ROOT / "config" / "config.yaml")],
                         cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    want_nodes, want_edges = dot_graph(dot)
    have_nodes, have_edges = svg_graph(SVG.read_text())
    assert len(want_nodes) > 100
    assert have_nodes == want_nodes, (f"docs/rulegraph.svg is stale (run `make rulegraph`): missing "
                                      f"{sorted(want_nodes - have_nodes)}, extra {sorted(have_nodes - want_nodes)}")
    assert have_edges == want_edges, (f"docs/rulegraph.svg is stale (run `make rulegraph`): missing edges "
                                      f"{sorted(want_edges - have_edges)[:10]}, extra {sorted(have_edges - want_edges)[:10]}")
