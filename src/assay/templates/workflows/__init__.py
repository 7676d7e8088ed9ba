"""GitHub Actions workflow templates, NAME.yml + NAME.properties.json (as in .github/workflow-templates/)."""
