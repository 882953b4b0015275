"""Open-standard exchange: the catalogue in Open Referral HSDS 3, volunteer service records."""
