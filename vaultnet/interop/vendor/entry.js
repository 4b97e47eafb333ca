// What the graph page uses, as one global: the renderer, the graph model and the layout.
import cytoscape from "cytoscape";
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";

globalThis.VaultnetGraphLibrary = { cytoscape, Graph, forceAtlas2 };
