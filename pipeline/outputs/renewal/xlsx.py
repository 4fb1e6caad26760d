"""The pack as an Excel workbook (openpyxl: formatted, every text neutralised)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.core.exports import (
    neutralise,  # openpyxl would store « =… » text as a formula
    write_atomic,
)
from pipeline.outputs.renewal.pack import Pack


def write_xlsx(pack: Pack, path: Path) -> None:
    """The pack as a formatted workbook (title block, frozen headers, widths, percentages)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    def write(target: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        for name, content in pack.sheets.items():
            ws = wb.create_sheet(name[:31])
            ws.append([f"{pack.code} — {pack.title}"])
            ws.append([f"Certificateur(s) : {pack.certifiers}"])
            if pack.partner:
                ws.append([neutralise(pack.partner)])
                ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
            ws.append(
                [
                    f"Promotions : {', '.join(map(str, pack.years))} — généré le {pack.generated:%d/%m/%Y à %H:%M}"
                ]
            )
            ws["A1"].font = Font(bold=True, size=14)
            blocks = content if isinstance(content, list) else [(None, content)]
            widths: dict[int, int] = {}
            for title, frame in blocks:
                ws.append([])
                if title:
                    ws.append([title])
                    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
                ws.append(list(frame.columns))
                header = ws.max_row
                for cell in ws[header]:
                    cell.font = Font(bold=True)
                    cell.fill = PatternFill("solid", fgColor="EEF2F7")
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if len(blocks) == 1:
                    ws.freeze_panes = f"A{header + 1}"
                for row in frame.itertuples(index=False):
                    ws.append(
                        [
                            None
                            if (v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)))
                            else neutralise(v.item() if hasattr(v, "item") else v)
                            for v in row
                        ]
                    )
                for i, column in enumerate(frame.columns, start=1):
                    width = max(
                        [len(str(column)) // 2] + [len(str(v)) for v in frame.iloc[:, i - 1].head(300)]
                    )
                    widths[i] = max(widths.get(i, 10), min(60, width + 2))
                    if "%" in str(column) or "IC 95" in str(column):
                        for r in range(header + 1, ws.max_row + 1):
                            ws.cell(row=r, column=i).number_format = (
                                '0.0" %"' if "IC 95" in str(column) else '0" %"'
                            )
            for i, width in widths.items():
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
        wb.properties.creator = "insertion"
        wb.save(target)

    write_atomic(path, write)
