"""Co-building pledges 共驻共建: what a resident unit pledges to share in a year, against what it delivered."""
