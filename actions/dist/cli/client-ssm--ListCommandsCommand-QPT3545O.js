import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as r,b as s,c as t}from"./chunk-SE4YBNIC.js";import{i as o}from"./chunk-A7XSRDEU.js";import"./chunk-DWO5JKHP.js";import"./chunk-EUYPWAM6.js";import"./chunk-RMIBCZSM.js";import"./chunk-LVKEIE3P.js";var m=class extends r(s,t,"ListCommands",o){};export{m as ListCommandsCommand};
