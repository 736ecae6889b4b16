"""Builds acgs_infer._core with CMake for `pip install --no-build-isolation .` (metadata: pyproject.toml).

The CMake build directory is build-pip/ (ACGS_PIP_BUILD_DIR overrides it; ACGS_CMAKE_ARGS adds
arguments, e.g. -DACGS_WITH_CUDA=OFF). The wheel carries the module, the package's .py files, the
tokenizer data and, when this machine built it, the CUDA plugin; acgs_infer/__init__.py points the
engine at the last two.

Offline (`--no-build-isolation --no-index`), pip builds with this interpreter's own setuptools and wheel and
cannot download what is missing: use Debian's /usr/bin/python3 (scripts/setup.sh installs python3-wheel,
python3-numpy, pybind11-dev), not a pyenv or conda python3 that may come first on PATH.
"""
import importlib.util
import os
import platform
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent

# setuptools before 70.1 builds wheels (and pip's metadata step) with the separate `wheel` package; without it
# pip stops at "error: invalid command 'bdist_wheel'", which does not say what to do.
if not importlib.util.find_spec("wheel") and not importlib.util.find_spec("setuptools.command.bdist_wheel"):
    sys.exit(f"error: {sys.executable} (Python {platform.python_version()} from {sys.base_prefix}) has no 'wheel' package, so pip cannot "
             "build acgs-infer with it offline. Use Debian's interpreter (scripts/setup.sh installs "
             "python3-wheel, python3-numpy and pybind11-dev for it):\n"
             "  rm -rf .venv && /usr/bin/python3 -m venv --system-site-packages .venv && "
             ".venv/bin/pip install --no-build-isolation --no-index .")


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("ACGS_PIP_BUILD_DIR", ROOT / "build-pip"))
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                     "-DACGS_BUILD_TESTS=OFF", "-DACGS_BUILD_BENCH=OFF", f"-DPython3_EXECUTABLE={sys.executable}"]
        if shutil.which("ninja") and not (build_dir / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        configure += shlex.split(os.environ.get("ACGS_CMAKE_ARGS", ""))
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build_dir), "-j", jobs, "--target", "acgs_infer_core"], check=True)

        package = Path(self.get_ext_fullpath(ext.name)).parent
        package.mkdir(parents=True, exist_ok=True)
        built = build_dir / "python" / "acgs_infer"
        shutil.copy2(next(built.glob("_core*.so")), self.get_ext_fullpath(ext.name))
        if (build_dir / "libacgs_cuda.so").is_file():
            shutil.copy2(build_dir / "libacgs_cuda.so", package / "libacgs_cuda.so")
        shutil.copytree(ROOT / "data" / "bert-base-uncased", package / "data" / "bert-base-uncased", dirs_exist_ok=True)


# setuptools' own build folder goes under build-pip too, not into build/ (which is `make build`'s).
setup(packages=["acgs_infer"], package_dir={"": "python"},
      ext_modules=[Extension("acgs_infer._core", sources=[])], cmdclass={"build_ext": CMakeBuild},
      options={"build": {"build_base": str(ROOT / "build-pip" / "setuptools")}})
