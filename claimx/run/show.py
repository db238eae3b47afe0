"""What `claimx show` renders: input records run through the model, or results read back and joined
with their input texts by id."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

from ..analysis.views import misplaced
from ..io.readers import collect_inputs, read_inputs
from ..io.results import read_results
from ..options import ExtractOptions
from ..records import Record, RecordError
from ..results import Result

__all__ = ["results_to_show"]


def results_to_show(
    inputs: Sequence[str | Path],
    *,
    results: Sequence[str | Path] = (),
    limit: int | None = 50,
    options: ExtractOptions = ExtractOptions(batch_size=64),
) -> Iterator[Result | RecordError]:
    """The first `limit` records of `inputs` (None: all) as Results to render, or the reader's errors.

    Without `results`, the model is run on them. With `results` (files written by `claimx extract`),
    those are shown instead, each joined by id with its text in `inputs`; a result whose id is not there
    becomes a RecordError.
    """
    records = read_inputs(collect_inputs(inputs, input_format=options.input_format), options.fields,
                          input_format=options.input_format)
    if not results:
        from ..extractor import Extractor

        yield from Extractor.from_options(options).process(islice(records, limit), batch_size=options.batch_size)
        return

    shown = list(islice(read_results(results), limit))
    wanted = {r.id for r in shown if isinstance(r, Result)}
    texts: dict[str | None, str] = {}
    for item in records:  # only the texts of the results shown are kept; stop once all are found
        if isinstance(item, Record) and item.id in wanted and item.id not in texts:
            texts[item.id] = item.text
            if len(texts) == len(wanted):
                break
        elif isinstance(item, RecordError):
            yield item
    for item in shown:
        if isinstance(item, Result) and item.id not in texts:
            yield RecordError(None, item.id, f"no input record has id {item.id!r}; give the input file that was "
                              "extracted as INPUT", "")
        elif isinstance(item, Result):
            item.text = texts[item.id]
            bad = misplaced(item)
            yield item if bad is None else RecordError(
                None, item.id, f"the input text of id {item.id!r} is not the text this result was extracted from "
                f"({bad}); give the same input, with the same --title-field/--text-field, as to claimx extract", "")
        else:
            yield item
