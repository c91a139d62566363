"""The vae family's registration with the zoo: one entry per object."""

import zoo


@zoo.hookimpl
def register_family():
    return zoo.Family(name="vae", description="(work in progress)")
