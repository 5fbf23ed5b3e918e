"""The trainer's configuration flags, generated from `infogan_tf.config`'s field definitions.

One flag per config field, named as the field (or by the `flag=` beside it), with the field's
help, default and choices; `config_from_flags` assembles the `ExperimentConfig` generically and
leaves validation to the config. `markdown_table()` is docs/flags.md:

  python -m infogan_tf.cli.config_flags > docs/flags.md

How a field's type becomes a flag:

  bool -> --[no]name; int, float -> a number; str -> a string (an enum with `choices`);
  a tuple -> a comma list ('' for empty); an optional value -> '' (or the field's
  `none_means` word, e.g. --continuous_std=learned) for None.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Dict, Iterator, Tuple

from absl import flags

from infogan_tf import config as config_lib
from infogan_tf import datasets


@dataclasses.dataclass(frozen=True)
class ConfigFlag:
  """One config field's flag."""

  part: str  # 'train', 'data', ... (an ExperimentConfig field); '' for another settings class
  field: dataclasses.Field
  owner: Any = None  # the dataclass holding `field` (default: the ExperimentConfig part's)

  @property
  def name(self) -> str:
    return config_lib.flag_name(self.field)

  @property
  def path(self) -> str:
    return f"{self.part}.{self.field.name}"

  @property
  def hint(self):
    owner = self.owner or config_lib.PART_TYPES[self.part]
    return config_lib.field_types(owner)[self.field.name]

  @property
  def default(self):
    return self.field.default

  def _inner(self) -> Tuple[Any, bool]:
    """(the type without Optional, whether None is allowed)."""
    hint = self.hint
    if typing.get_origin(hint) is typing.Union:
      options = [a for a in typing.get_args(hint) if a is not type(None)]
      return options[0], True
    return hint, False

  def flag_default(self):
    """The field's default as the flag holds it."""
    inner, optional = self._inner()
    if self.default is None:
      return self.field.metadata.get("none_means", [] if typing.get_origin(inner) is tuple
                                     else None)
    if typing.get_origin(inner) is tuple:
      return [str(v) for v in self.default]
    return self.default

  def define(self, fv: flags.FlagValues) -> None:
    inner, _ = self._inner()
    help_text = self.field.metadata["help"]
    kw = dict(flag_values=fv)
    if inner is bool:
      flags.DEFINE_bool(self.name, self.default, help_text, **kw)
    elif inner is int and self.default is not None:
      flags.DEFINE_integer(self.name, self.default, help_text, **kw)
    elif inner is float and self.default is not None:
      flags.DEFINE_float(self.name, self.default, help_text, **kw)
    elif typing.get_origin(inner) is tuple:
      flags.DEFINE_list(self.name, self.flag_default(), help_text, **kw)
    elif "choices" in self.field.metadata:
      flags.DEFINE_enum(self.name, self.default, list(self.field.metadata["choices"]),
                        help_text, **kw)
    else:  # a string, or an optional number given as a string
      flags.DEFINE_string(self.name, self.flag_default(), help_text, **kw)

  def value(self, raw):
    """The config value of the flag's parsed value `raw`; ConfigError names the flag."""
    inner, optional = self._inner()
    if optional and raw in (None, "", [], self.field.metadata.get("none_means")):
      return None
    if typing.get_origin(inner) is tuple:
      item = typing.get_args(inner)[0]
      items = [str(v).strip() for v in raw if str(v).strip()]
      try:
        return tuple(item(v) for v in items)
      except ValueError:
        raise config_lib.ConfigError(
            f"--{self.name} must be a comma list of {item.__name__}s, got "
            f"{','.join(raw)!r}") from None
    if inner is float and isinstance(raw, str):  # an optional number
      try:
        return float(raw)
      except ValueError:
        word = self.field.metadata.get("none_means")
        raise config_lib.ConfigError(
            f"--{self.name} must be {repr(word) + ' or ' if word else ''}a number, "
            f"got {raw!r}") from None
    return raw


def config_flags() -> Iterator[ConfigFlag]:
  """Every config field's flag, part by part in ExperimentConfig's order."""
  for part, cls in config_lib.PART_TYPES.items():
    for f in dataclasses.fields(cls):
      yield ConfigFlag(part, f)


def define_config_flags(fv: flags.FlagValues = flags.FLAGS) -> None:
  """Defines one flag per config field on `fv` (idempotent per FlagValues)."""
  for flag in config_flags():
    if flag.name not in fv:
      flag.define(fv)


def config_from_flags(fv: flags.FlagValues = flags.FLAGS) -> config_lib.ExperimentConfig:
  """The validated ExperimentConfig of parsed flags.

  Raises:
    ConfigError: With a one-line message naming the flag to fix.
  """
  values: Dict[str, Dict[str, Any]] = {part: {} for part in config_lib.PART_TYPES}
  for flag in config_flags():
    values[flag.part][flag.field.name] = flag.value(fv[flag.name].value)
  parts = {part: config_lib.PART_TYPES[part](**v) for part, v in values.items()}
  return config_lib.ExperimentConfig(**parts).validate()


def settings_flags(cls) -> Iterator[ConfigFlag]:
  """The flags of another settings dataclass whose fields are `config_lib.field`s (e.g.
  `infogan_tf.refine.RefineConfig`), one per field."""
  for f in dataclasses.fields(cls):
    yield ConfigFlag("", f, cls)


def define_settings_flags(cls, fv: flags.FlagValues = flags.FLAGS) -> None:
  """Defines `settings_flags(cls)` on `fv` (idempotent per FlagValues)."""
  for flag in settings_flags(cls):
    if flag.name not in fv:
      flag.define(fv)


def settings_from_flags(cls, fv: flags.FlagValues = flags.FLAGS):
  """`cls` from parsed flags (validate it where the class says how)."""
  return cls(**{flag.field.name: flag.value(fv[flag.name].value)
                for flag in settings_flags(cls)})


def _markdown_default(flag: ConfigFlag) -> str:
  value = flag.flag_default()
  if isinstance(value, bool):
    return "true" if value else "false"
  if isinstance(value, list):
    return ",".join(value)
  return "" if value is None else str(value)


def markdown_table() -> str:
  """docs/flags.md: every configuration flag of `python -m trainers.main`."""
  lines = ["# Trainer flags", "",
           "Generated from the config's field definitions (`infogan_tf/config.py`) by",
           "`python -m infogan_tf.cli.config_flags > docs/flags.md`; "
           "`tests/trainers/flags_test.py` checks it is current.", ""]
  for part in config_lib.PART_TYPES:
    cls = config_lib.PART_TYPES[part]
    lines += [f"## {part} ({cls.__name__})", "", (cls.__doc__ or "").strip().splitlines()[0], "",
              "| flag | default | choices | what it does |", "|---|---|---|---|"]
    for flag in config_flags():
      if flag.part != part:
        continue
      choices = ", ".join(f"`{c}`" for c in flag.field.metadata.get("choices", ()))
      default = _markdown_default(flag)
      help_text = flag.field.metadata["help"].replace("|", "\\|")
      lines.append(f"| `--{flag.name}` | {f'`{default}`' if default else ''} | {choices} | "
                   f"{help_text} |")
    lines.append("")
  lines += ["## Datasets (`--dataset`)", "",
            "From the records in `infogan_tf/datasets.py`.", "",
            "| name | source | what | known factors |", "|---|---|---|---|"]
  for record in datasets.DATASETS.values():
    factors = ("the 'attributes' feature's entries" if record.attribute_factors
               else ", ".join(record.factors))
    offline = f" (offline: Debian's `{record.package}`)" if record.package else ""
    lines.append(f"| `{record.name}` | {record.kind} | {record.summary}{offline} | {factors} |")
  lines.append("")
  return "\n".join(lines)


if __name__ == "__main__":
  print(markdown_table())
