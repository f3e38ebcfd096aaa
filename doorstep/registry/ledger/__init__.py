"""Loading a district's own population ledger (人口台账): format, checks, import, workbooks. docs/registry-import.md."""
