from setuptools import setup

# A local package: the build installs it from the context, with no index.
setup(
    name="greet",
    version="0.1.0",
    packages=["greet"],
    entry_points={"console_scripts": ["hello = greet:main"]},
)
