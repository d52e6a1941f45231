"""Serves the test Lab (lab-app/build) with jupyterlab_server's LabServerApp on jupyter_server, as JupyterLab's
examples/app does. Federated extensions come from the labextensions folders on the Jupyter path (JUPYTER_PATH /
JUPYTER_DATA_DIR), which is where `npm run install-kernel` puts ivae-widgets.

Shim (named, test-only): Debian bookworm ships jupyter_server 1.23; JupyterLab 4's front end also asks for
/api/me (identity, jupyter_server >= 2.0). IdentityShim answers it with an anonymous user so the user manager
resolves; nothing else is changed. Kernels, contents, sessions, settings, themes and translations are the
servers' own handlers.
Usage: /usr/bin/python3 lab-app/main.py --ServerApp.port=N --ServerApp.token=T --ServerApp.root_dir=DIR
"""
import json
import os

from jupyter_server.base.handlers import APIHandler
from jupyterlab_server import LabServerApp
from tornado import web

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")
# Where Lab writes user settings and workspaces (the open notebook, restored on reload): per test run, not the build.
STATE = os.environ.get("IVAE_LAB_STATE", os.path.join(BUILD, "state"))


class IdentityShim(APIHandler):
    """GET /api/me for jupyter_server < 2 (the JupyterLab 4 user manager waits for it)."""

    @web.authenticated
    def get(self):
        user = {"username": "ivae-test", "name": "ivae test", "display_name": "ivae test", "initials": "IT",
                "avatar_url": None, "color": None}
        self.finish(json.dumps({"identity": user, "permissions": {}}))


class IvaeTestLab(LabServerApp):
    name = __name__  # the extension point jupyter_server looks up for a launched module
    app_name = "ivae test Lab"
    app_version = "4.6.4"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_settings_dir = os.path.join(BUILD, "application_settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_handlers(self):
        self.handlers.append(("/api/me", IdentityShim))
        super().initialize_handlers()


def _jupyter_server_extension_points():
    """How jupyter_server finds the app when this file is launched as __main__ (as in JupyterLab's examples/app)."""
    return [{"module": __name__, "app": IvaeTestLab}]


if __name__ == "__main__":
    IvaeTestLab.launch_instance()
