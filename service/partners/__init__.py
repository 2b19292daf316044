"""Partner networks' contributions: spreadsheets in, RDF in the partner's graph out.

``kinds`` says what each kind of contribution holds (its columns, in French with an English
alias); ``templates`` serves them as CSV, XLSX and CSVW; ``table`` reads a person's file
into rows; ``values`` checks one cell; ``lookup`` finds communes, authorities and
organisations in the graph; ``mapping`` turns rows into triples and remembers which row and
column each came from; ``messages`` words the errors in French and English; ``upload``
plans and commits an upload through the write gate; ``keys`` holds the partners' hashed keys.
"""
