"""Evaluation of claimx models against gold corpora (entities: `claimx.eval.entities`)."""

from .entities import Counts, EntityReport, evaluate_entities, format_reports, score_entities, strict_counts, token_counts

__all__ = ["Counts", "evaluate_entities", "EntityReport", "format_reports", "score_entities", "strict_counts", "token_counts"]
