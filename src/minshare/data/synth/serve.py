"""Entry point of a chunk worker process (see ``workers``); kept out of the package imports."""

from minshare.data.synth.workers import serve

if __name__ == "__main__":
    serve()
