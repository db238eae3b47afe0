"""Training claimx models (not needed to run one): window targets, the shared step loop, the entity trainer
(`entities.train_entities`) and the claim trainer (`claims.train_claims`). Entry points: scripts/train_*.py."""
