"""``newsevents train``: fine-tune the tagger on GENEVA (plus the project's own sentences)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shared.settings import DEFAULT_MODEL_DIR, get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a tagger model directory")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder holding geneva/ (default NEWSEVENTS_DATA_DIR or ../shared/data)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument(
        "--encoder",
        default="",
        help="encoder folder (Hugging Face layout), or 'accurate' (alias 'mpnet'): "
        "all-mpnet-base-v2 from the accurate extra (default: the packaged all-MiniLM-L6-v2)",
    )
    parser.add_argument(
        "--no-extra-data",
        action="store_true",
        help="train on GENEVA only, without the project's own annotated sentences",
    )
    parser.add_argument(
        "--no-news-corpus",
        action="store_true",
        help="train without the project's news corpus, and so without a PLOVER coder",
    )
    parser.add_argument(
        "--news-dir",
        type=Path,
        default=None,
        help="folder of authored news corpus files (default: the bundled corpus)",
    )
    parser.add_argument(
        "--news-type-negatives",
        choices=["all", "event_free", "none"],
        default="none",
        help="which news corpus sentences teach 'not a news type' on unmarked words",
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument(
        "--eval-from", type=int, default=1, help="first epoch to evaluate (and maybe keep)"
    )
    parser.add_argument("--encoder-lr", type=float, default=1.5e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument(
        "--lora-rank",
        type=int,
        default=0,
        help="train LoRA adapters of this rank on a frozen encoder and save a small delta "
        "(0, the default: fine-tune the whole encoder)",
    )
    parser.add_argument("--lora-alpha", type=float, default=0.0, help="LoRA alpha (0: 2 x rank)")
    parser.add_argument(
        "--lora-lr", type=float, default=5e-4, help="LR of the adapters and LayerNorms"
    )
    parser.add_argument(
        "--lora-targets",
        default="all",
        help="'all' linear layers of the encoder, or comma-separated layer names (q,k,v,o)",
    )
    parser.add_argument(
        "--batch-pieces", type=int, default=2048, help="word pieces per batch (padded)"
    )
    parser.add_argument("--max-batch", type=int, default=32, help="most examples per batch")
    parser.add_argument(
        "--bf16", action="store_true", help="train under bfloat16 autocast (for GPUs)"
    )
    parser.add_argument(
        "--argument-layers",
        type=int,
        default=0,
        help="0: the full argument pass (the whole encoder per event); k: the light pass, "
        "k transformer layers per event over the sentence's states (faster)",
    )
    parser.add_argument(
        "--encoder-layers",
        type=int,
        default=0,
        help="keep only the encoder's first N layers (0: all); all-mpnet-base-v2's last "
        "layer serves its sentence vector, not words: the accurate model uses 11",
    )
    parser.add_argument(
        "--feature-scaling",
        action="store_true",
        help="standardize the encoder states the heads read, fitted on training words "
        "(needed for all-mpnet-base-v2, whose word states barely vary)",
    )
    parser.add_argument(
        "--weight-average",
        type=float,
        default=0.0,
        metavar="DECAY",
        help="also score each evaluated epoch with a running average of the weights "
        "(decay per step, e.g. 0.999; 0: off) and keep it when it scores better",
    )
    parser.add_argument(
        "--trigger-init",
        action="store_true",
        help="start the trigger heads as a prototype classifier of the training words "
        "(each label's mean word state) instead of at random",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-steps", type=int, default=0, help="stop early (smoke runs)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workers.tagger.base_encoders import BaseEncoderMissing, resolve_encoder
    from workers.tagger.training import TrainConfig, train

    data_dir = args.data_dir or get_settings().data_dir
    if not (data_dir / "geneva" / "train.jsonl").is_file():
        print(
            f"error: no geneva/train.jsonl under {data_dir} (set --data-dir or NEWSEVENTS_DATA_DIR)"
        )
        return 2
    if args.argument_layers < 0:
        print(f"error: --argument-layers must be 0 (full) or positive, not {args.argument_layers}")
        return 2
    if args.encoder_layers < 0:
        print(f"error: --encoder-layers must be 0 (all) or positive, not {args.encoder_layers}")
        return 2
    if not 0.0 <= args.weight_average < 1.0:
        print(f"error: --weight-average must be in [0, 1), not {args.weight_average}")
        return 2
    if args.lora_rank < 0:
        print(f"error: --lora-rank must be 0 (off) or positive, not {args.lora_rank}")
        return 2
    try:
        if args.encoder:
            resolve_encoder(args.encoder)  # a packaged base is extracted here, once
    except BaseEncoderMissing as error:
        print(f"error: {error}")
        return 2
    config = TrainConfig(
        data_dir=data_dir,
        output=args.output,
        encoder=args.encoder,
        extra_data=not args.no_extra_data,
        news_corpus=not args.no_news_corpus,
        news_dir=args.news_dir,
        news_type_negatives=args.news_type_negatives,
        eval_from=args.eval_from,
        epochs=args.epochs,
        encoder_lr=args.encoder_lr,
        head_lr=args.head_lr,
        seed=args.seed,
        max_steps=args.max_steps,
        threads=args.threads,
        lora_rank=args.lora_rank,
        lora_alpha=args.lora_alpha,
        lora_lr=args.lora_lr,
        lora_targets=args.lora_targets,
        batch_pieces=args.batch_pieces,
        max_batch=args.max_batch,
        bf16=args.bf16,
        argument_layers=args.argument_layers,
        encoder_layers=args.encoder_layers,
        feature_scaling=args.feature_scaling,
        weight_average=args.weight_average,
        trigger_init=args.trigger_init,
    )
    scores = train(config)
    print(json.dumps({"output": str(args.output), "val": scores}, indent=1))
    return 0
