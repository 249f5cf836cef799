"""The offline demo: the real Application driven through the local Bot API emulator.

Each feature adds a scene module here and lists its `scene` in SCENES (in story order).
"""

from __future__ import annotations

from pathlib import Path

from bot.demo.forms import scene as forms_scene
from bot.demo.polls import scene as polls_scene
from bot.demo.roster import scene as roster_scene
from bot.demo.runner import Demo, run_scenes
from bot.demo.schedule import scene as schedule_scene

SCENES = [
    roster_scene,
    forms_scene,
    schedule_scene,
    polls_scene,
]


async def run_demo(*, lang: str, out: Path) -> int:
    """Run every scene and print the transcript; files go to `out`."""
    return await run_scenes(SCENES, lang=lang, out=out)


__all__ = ["SCENES", "Demo", "run_demo"]
