"""The paper rehearsal: the paper configuration's own code paths on small paper-format inputs.

``config/rehearsal.yaml`` is an overlay on ``config/paper.yaml`` that may only change sizes and
input locations (:mod:`regbench.rehearsal.overlay`); every download of the paper DAG is served
by a local mirror (:mod:`regbench.rehearsal.mirror`) whose content the generators write in the
real formats (:mod:`regbench.rehearsal.shared` and one ``regbench.rehearsal.<study>`` module per
study); :mod:`regbench.rehearsal.driver` runs it all (``python -m regbench.rehearsal run``,
``make rehearse``) and writes ``results/rehearsal/{coverage,resources,panels}.tsv``.
"""
