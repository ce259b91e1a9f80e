"""The Steering Committee report: `data.report_build` gathers a period's figures, targets and
lagging units; `text` words them in Vietnamese; `render` writes docx, xlsx or pdf."""
