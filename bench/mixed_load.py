"""One step of the mixed benchmark (bench/mixed.py): locust users against a running server.

    .venv/bin/python bench/mixed_load.py CONFIG.json RESULT.json

CONFIG holds the host, the number of users, the think time, the warm-up and the recorded
duration, the share of writes, and per role the session's headers (cookie and user agent), the CSRF token and the
weighted pages (made by bench/mixed.py). Every user takes a role in turn, waits
``think`` seconds between requests and asks a page drawn by weight, or with the chance
``write_share`` posts a comment. Requests that start before the warm-up has passed are
not recorded. RESULT gets per page the response times (ms) and the errors of the
recorded window, that window's length, and the number of all requests (warm-up included).

It runs as a process of its own because locust patches the standard library (gevent).
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment

CONFIG: dict = {}
RECORD: dict = {"start": None, "times": {}, "errors": {}, "all": 0}
ROLES = itertools.count()


def recording() -> bool:
    return RECORD["start"] is not None and time.monotonic() >= RECORD["start"]


@events.request.add_listener
def on_request(name, response_time, exception, context=None, **_):
    RECORD["all"] += 1  # warm-up included, for the CPU per request
    if not (context or {}).get("recorded"):
        return
    if exception is not None:
        RECORD["errors"][name] = RECORD["errors"].get(name, 0) + 1
    else:
        RECORD["times"].setdefault(name, []).append(response_time)


class Member(FastHttpUser):
    wait_time = between(0.3, 1.0)

    def on_start(self):
        roles = sorted(CONFIG["roles"])
        self.role = roles[next(ROLES) % len(roles)]
        session = CONFIG["roles"][self.role]
        self.headers = session["headers"]
        self.pages = session["pages"]
        self.weights = [p["weight"] for p in self.pages]
        self.write = session.get("write")

    @task
    def step(self):
        recorded = recording()
        if self.write and random.random() < CONFIG["write_share"]:
            form = {"csrf_token": self.write["token"], "body": "Belastingproef: reactie."}
            with self.client.post(
                self.write["action"],
                data=form,
                headers=self.headers,
                name="comment",
                allow_redirects=False,
                context={"recorded": recorded},
                catch_response=True,
            ) as response:
                if response.status_code not in (302, 303):
                    response.failure(f"status {response.status_code}")
            return
        page = random.choices(self.pages, self.weights)[0]
        with self.client.get(
            page["path"],
            headers=self.headers,
            name=page["key"],
            allow_redirects=False,
            context={"recorded": recorded},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


def main(config_path: str, result_path: str) -> None:
    with open(config_path, encoding="utf-8") as source:
        CONFIG.update(json.load(source))
    low, high = CONFIG["think"]
    Member.wait_time = between(low, high)
    Member.host = CONFIG["host"]
    env = Environment(user_classes=[Member], events=events)
    runner = env.create_local_runner()
    users = CONFIG["users"]
    # All users within the first half of the warm-up (at least 1 s).
    runner.start(users, spawn_rate=max(users / max(CONFIG["warmup"] / 2, 1), 1))
    RECORD["start"] = time.monotonic() + CONFIG["warmup"]
    gevent.sleep(CONFIG["warmup"] + CONFIG["duration"])
    end = time.monotonic()
    runner.quit()
    result = {
        "window_s": end - RECORD["start"],
        "times": RECORD["times"],
        "errors": RECORD["errors"],
        "all_requests": RECORD["all"],
    }
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    sys.exit(0)
