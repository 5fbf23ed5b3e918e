r"""A plain eager PyTorch InfoGAN step with the same MNIST nets, as a speed reference.

The step is the standard eager pattern (as in the PyTorch DCGAN example): G(z, c) once; D update
on D(real) and D(fake.detach()); G update re-running D on fake. Same layer sizes, BN, Adam
settings, batch and latent code (62 noise, Cat(10), 2 continuous) as infogan_tf's
`mnist` architecture. Inputs are a constant in-memory batch (pure compute).

  pip install torch==2.13.0   # not a dependency of infogan_tf
  python -m benchmarks.torch_reference --batch_size=64 --seconds=20 [--autocast=bfloat16]

--autocast=bfloat16 runs the forward passes under `torch.autocast("cpu", dtype=torch.bfloat16)`
(bfloat16 matmuls and convolutions, float32 parameters and optimiser): PyTorch's counterpart of
infogan_tf's --precision=mixed_bfloat16.
"""

from __future__ import annotations

import argparse
import json
import time


def build(torch):
  nn = torch.nn

  class G(nn.Module):

    def __init__(self):
      super().__init__()
      self.fc = nn.Sequential(nn.Linear(74, 1024, bias=False), nn.BatchNorm1d(1024), nn.ReLU(),
                              nn.Linear(1024, 7 * 7 * 128, bias=False),
                              nn.BatchNorm1d(7 * 7 * 128), nn.ReLU())
      self.deconv = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),
                                  nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, x):
      return self.deconv(self.fc(x).view(-1, 128, 7, 7))

  class D(nn.Module):

    def __init__(self):
      super().__init__()
      self.trunk = nn.Sequential(
          nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.1),
          nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.1),
          nn.Flatten(), nn.Linear(6272, 1024, bias=False), nn.BatchNorm1d(1024),
          nn.LeakyReLU(0.1))
      self.d = nn.Linear(1024, 1)
      self.q = nn.Sequential(nn.Linear(1024, 128, bias=False), nn.BatchNorm1d(128),
                             nn.LeakyReLU(0.1), nn.Linear(128, 10 + 4))

    def forward(self, x):
      h = self.trunk(x)
      return self.d(h).squeeze(1), self.q(h)

  return G(), D()


def run(batch_size: int = 64, seconds: float = 20.0, warmup_steps: int = 10,
        autocast: str = None) -> dict:
  """Steady-state images/s of the eager step; returns a result dict."""
  import contextlib  # pylint: disable=g-import-not-at-top
  import torch  # pylint: disable=g-import-not-at-top
  import torch.nn.functional as F  # pylint: disable=g-import-not-at-top

  torch.manual_seed(0)
  torch.set_num_threads(2)
  g, d = build(torch)
  opt_g = torch.optim.Adam(g.parameters(), lr=1e-3, betas=(0.5, 0.999))
  opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
  real = torch.rand(batch_size, 1, 28, 28)
  compute = (lambda: torch.autocast("cpu", dtype=getattr(torch, autocast))) if autocast else (
      contextlib.nullcontext)

  def info_loss(q, cat, cont):
    ce = F.cross_entropy(q[:, :10], cat)
    mean, log_std = q[:, 10:12], q[:, 12:14].clamp(-5, 2)
    nll = (log_std + 0.5 * ((cont - mean) * torch.exp(-log_std)) ** 2).sum(1).mean()
    return ce + 0.1 * nll

  def step():
    z = torch.rand(batch_size, 62) * 2 - 1
    cat = torch.randint(0, 10, (batch_size,))
    cont = torch.rand(batch_size, 2) * 2 - 1
    with compute():
      fake = g(torch.cat([z, F.one_hot(cat, 10).float(), cont], 1))
      r_logit, _ = d(real)
      f_logit, q = d(fake.detach())
    loss_d = (F.softplus(-r_logit.float()).mean() + F.softplus(f_logit.float()).mean()
              + info_loss(q.float(), cat, cont))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    with compute():
      f_logit, q = d(fake)
    loss_g = F.softplus(-f_logit.float()).mean() + info_loss(q.float(), cat, cont)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()

  for _ in range(warmup_steps):
    step()
  steps, t0 = 0, time.perf_counter()
  while time.perf_counter() - t0 < seconds:
    step()
    steps += 1
  elapsed = time.perf_counter() - t0
  return {"framework": f"pytorch {torch.__version__} eager", "batch_size": batch_size,
          "autocast": autocast or "off",
          "threads": torch.get_num_threads(), "steps": steps, "seconds": elapsed,
          "images_per_sec": steps * batch_size / elapsed}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--batch_size", type=int, default=64)
  parser.add_argument("--seconds", type=float, default=20.0)
  parser.add_argument("--autocast", default=None, choices=("bfloat16",))
  args = parser.parse_args()
  print(json.dumps(run(args.batch_size, args.seconds, autocast=args.autocast)))


if __name__ == "__main__":
  main()
