"""Map the top-level folders onto the one import name ``interlace``.

``protocols/`` becomes ``interlace.protocols`` and so on, so the repository reads like the
architecture while nothing generic (``tools``, ``agents``) lands in site-packages.
"""

from setuptools import find_packages, setup

SUBPACKAGES = ("protocols", "runtimes", "tools", "agents")

package_dir = {"interlace": "_interlace"}
packages = ["interlace", *(f"interlace.{name}" for name in find_packages("_interlace"))]
for folder in SUBPACKAGES:
    package_dir[f"interlace.{folder}"] = folder
    packages.append(f"interlace.{folder}")
    packages.extend(f"interlace.{folder}.{name}" for name in find_packages(folder))

setup(packages=packages, package_dir=package_dir)
