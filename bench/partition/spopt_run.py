"""One PySAL spopt run in its own process (the caller enforces the 10-minute limit): prints the labels and the
seconds of the solve as JSON. Usage: spopt_run.py azp|kmeans|maxp N TARGET TOLERANCE GAP"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
from libpysal.weights import W  # noqa: E402
from spopt.region import AZP, MaxPHeuristic, RegionKMeansHeuristic  # noqa: E402

from bench.partition.synthetic import synthetic  # noqa: E402
from doorstep.partition.graph import adjacency  # noqa: E402


def main() -> None:
    method, n, target, tolerance, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), \
        float(sys.argv[5])
    points, households = synthetic(n)
    graph = adjacency(points, gap_metres=gap)
    neighbours = {i: [int(j) for j in graph.neighbours(i)] for i in range(n)}
    w = W(neighbours, silence_warnings=True)
    gdf = gpd.GeoDataFrame({"x": points[:, 0], "y": points[:, 1], "households": households},
                           geometry=gpd.points_from_xy(points[:, 0], points[:, 1]))
    k = max(1, round(int(households.sum()) / target))
    started = time.perf_counter()
    if method == "azp":
        model = AZP(gdf, w, ["x", "y"], n_clusters=k, random_state=1)
        model.solve()
        labels = model.labels_
    elif method == "kmeans":
        model = RegionKMeansHeuristic(gdf[["x", "y"]].values, k, w, seed=1)
        model.solve()
        labels = model.labels_
    else:
        model = MaxPHeuristic(gdf, w, ["x", "y"], "households", target * (1 - tolerance), top_n=2)
        model.solve()
        labels = model.labels_
    seconds = time.perf_counter() - started
    print(json.dumps({"labels": [int(x) for x in np.asarray(labels)], "seconds": seconds}))


if __name__ == "__main__":
    main()
