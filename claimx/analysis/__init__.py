"""Results read back and looked at: annotated HTML (`views`), the corpus report (`report`), the mechanism graph
(`graph`, with concepts folded by `concepts`) and pandas tables (`tables`)."""
