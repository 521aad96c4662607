"""DUIS on the wire: identifiers, response codes, safe XML, the XSD, XML signatures and responses."""
