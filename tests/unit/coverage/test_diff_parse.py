"""Changed lines read from `git diff -U0` output."""

from __future__ import annotations

from assay.coverage.diff import parse_unified_diff

DIFF = """\
diff --git a/pkg/a.py b/pkg/a.py
index 1..2 100644
--- a/pkg/a.py
+++ b/pkg/a.py
@@ -3 +3 @@ def f():
-    return 1
+    return 2
@@ -10,0 +11,3 @@ def g():
+    x = 1
+    y = 2
+    return x + y
@@ -20,2 +23,0 @@
-gone = 1
-gone = 2
diff --git a/old.py b/old.py
deleted file mode 100644
--- a/old.py
+++ /dev/null
@@ -1,2 +0,0 @@
-a = 1
-b = 2
diff --git a/new file.py b/new file.py
new file mode 100644
--- /dev/null
+++ b/new file.py
@@ -0,0 +1,2 @@
+a = 1
+b = 2
"""


def test_added_and_modified_lines_per_file() -> None:
    changes = parse_unified_diff(DIFF)
    assert changes == {"pkg/a.py": {3, 11, 12, 13}, "new file.py": {1, 2}}


def test_quoted_paths_with_non_ascii_names() -> None:
    text = '--- a/x\n+++ "b/caf\\303\\251.py"\n@@ -0,0 +1 @@\n+x = 1\n'
    assert parse_unified_diff(text) == {"café.py": {1}}
