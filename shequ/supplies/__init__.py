"""Free contraceptives (免费避孕药具): catalogue, locations on the tree, lots, the stock ledger,
requisitions, dispensing, counts and follow-up (issue 19)."""
