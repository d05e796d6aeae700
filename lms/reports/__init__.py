"""District oversight reports (issue 13): statistics per school, the 35% online-content target,
the schools' digital-transformation indicators (QĐ 4725/QĐ-BGDĐT), charts and spreadsheet exports."""
