# The panel contract's rule loop (regbench.panels): one rule (one job) per declared panel, one
# adapter for all of them. A panel's params are only the config subset it declares, so editing
# any other setting does not rerun it. Resources: a declared runtime (minutes, times the
# attempt: panel_resources in rules/common.smk), else the profile's defaults.


for _p in PANEL_DECLS:

    rule:
        name:
            _p.rule
        input:
            **_p.inputs(),
        output:
            pdf=figure_path(_p.study, _p.name, "pdf"),
            png=report(
                figure_path(_p.study, _p.name, "png"),
                caption=caption(_p.study, _p.name),
                category=_p.study,
                labels={"figure": _p.figure, "panel": _p.name},
            ),
            table=panel_table(_p.study, _p.name),
        log:
            log_path(_p.study, f"panel_{_p.name}"),
        benchmark:
            bench_path(_p.study, f"panel_{_p.name}")
        conda:
            "../envs/regbench.yaml"
        resources:
            **panel_resources(_p),
        params:
            draw=_p.draw,
            groups=_p.group_keys(),
            cfg=dict(_p.config),
            float_format=_p.float_format,
        script:
            "../scripts/panel.py"
