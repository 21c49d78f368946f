"""Agents, planners, graphs on LangGraph, config, plugins, servers and the CLI."""
