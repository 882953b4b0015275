"""Usage snapshots: what each listing was used for, per local day, computed once the day has settled."""
