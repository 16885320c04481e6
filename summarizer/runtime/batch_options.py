"""How a run uses a provider's Batch API, and what its batch phase reports: light, so the command
line can read them without loading the HTTP stack (``batch_jobs.py`` does the work)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The provider's limits per input file (OpenAI's, late 2026).
MAX_LINES = 50_000
MAX_BYTES = 200 * 1024 * 1024

FALLBACKS = ("batch", "online")


@dataclass(frozen=True)
class BatchOptions:
    """How a run uses the Batch API."""

    fallback: str = "batch"  # unanswered lines: "batch" (a new job) or "online"
    max_lines: int = MAX_LINES  # request lines per job (the provider's limit)
    max_bytes: int = MAX_BYTES  # bytes per job's input file (the provider's limit)
    poll_s: float = 30.0  # seconds between status checks
    rounds: int = 3  # submissions of one line in all, before it is left to the online path
    concurrency: int = 16  # online re-asks at once while a job's answers are validated

    def __post_init__(self) -> None:
        if self.fallback not in FALLBACKS:
            raise ValueError(f"batch fallback must be batch or online, not {self.fallback!r}")
        if self.max_lines < 1 or self.max_bytes < 1024 or self.poll_s < 0 or self.rounds < 1:
            raise ValueError("batch limits must be positive (max_bytes at least 1 KiB)")


@dataclass
class BatchReport:
    """What the batch phase of a run did and cost (``summarizer batches`` shows it per job)."""

    jobs: int = 0
    submitted: int = 0  # request lines submitted (over all the run's jobs)
    distinct: int = 0  # distinct custom_ids among them
    answered: int = 0  # lines whose answer is in the ledger
    invalid: int = 0  # lines whose answer failed validation even after the online re-asks
    cut_off: int = 0  # lines whose answer stopped at max_tokens (their text asked in halves)
    left_online: int = 0  # requests no job answered, left to the online path
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # at the batch price
    online_cost_usd: float | None = None  # the same tokens at the online price
    statuses: dict[str, int] = field(default_factory=dict)
